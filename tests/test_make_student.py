"""``make student``: the copies have no solution and no exercise output, and every other cell is untouched."""

from __future__ import annotations

import doctest
import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from _scripts import NOTEBOOKS, load_script

ROOT = Path(__file__).resolve().parents[1]


student = load_script("make_student")


def test_docstring_examples():
    assert doctest.testmod(student).failed == 0


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> dict[str, tuple[dict, dict]]:
    """{name: (original, student copy)} for every committed notebook, written by the script's main()."""
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in NOTEBOOKS}
    out = tmp_path_factory.mktemp("student")
    assert student.main(["--out", str(out)]) == 0
    after = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in NOTEBOOKS}
    assert after == before  # the originals are never modified
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # one copy each, no temporary file left
    return {path.name: (json.loads(path.read_text()), json.loads((out / path.name).read_text()))
            for path in NOTEBOOKS}


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_student_copy(copies, name):
    original, copy = copies[name]
    assert copy["metadata"] == original["metadata"]
    assert (copy["nbformat"], copy["nbformat_minor"]) == (original["nbformat"], original["nbformat_minor"])
    nbformat.validate(nbformat.from_dict(copy))  # opens in JupyterLab
    assert "<b>Solution</b>" not in json.dumps(copy["cells"])
    remaining = iter(copy["cells"])
    exercises = solutions = 0
    for cell in original["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "<b>Solution</b>" in source:
            solutions += 1
            kept = student.without_solutions(source)
            if kept.strip():
                assert "".join(next(remaining)["source"]) == kept
            continue  # a cell that held only the solution is gone
        mine = next(remaining)
        if student.is_exercise(cell):
            exercises += 1
            assert mine["outputs"] == [] and mine["execution_count"] is None
            assert {k: v for k, v in mine.items() if k not in ("outputs", "execution_count")} == \
                {k: v for k, v in cell.items() if k not in ("outputs", "execution_count")}
        else:
            assert mine == cell  # byte-identical as JSON: source, outputs, metadata, id
    assert next(remaining, None) is None
    assert exercises >= 1 and solutions == exercises


def test_a_solution_inside_a_longer_markdown_cell_leaves_the_rest(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": 3, "id": "a", "metadata": {},
             "outputs": [{"name": "stdout", "output_type": "stream", "text": ["not yet: 0 of 3 cases pass\n"]}],
             "source": ["def f(x):\n", "    raise NotImplementedError\n", "\n", "check_f(f)"]},
            {"cell_type": "markdown", "id": "b", "metadata": {},
             "source": ["Hint: think of sorting.\n", "\n",
                        "<details><summary><b>Solution</b> (open)</summary>\n", "\n", "```python\n",
                        "def f(x):\n", "    return sorted(x)\n", "```\n", "\n", "</details>\n", "\n",
                        "Then move on."]},
            {"cell_type": "code", "execution_count": 4, "id": "c", "metadata": {},
             "outputs": [{"data": {"text/plain": ["2"]}, "execution_count": 4, "metadata": {},
                          "output_type": "execute_result"}],
             "source": ["1 + 1"]},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "09_new.ipynb"
    path.write_text(json.dumps(notebook))
    assert student.main([str(path), "--out", str(tmp_path / "out")]) == 0
    copy = json.loads((tmp_path / "out" / "09_new.ipynb").read_text())
    nbformat.validate(nbformat.from_dict(copy))
    assert copy["cells"][0]["outputs"] == [] and copy["cells"][0]["execution_count"] is None
    assert "".join(copy["cells"][1]["source"]) == "Hint: think of sorting.\n\n\nThen move on."
    assert copy["cells"][2] == notebook["cells"][2]


def test_a_missing_notebook_is_an_error(tmp_path, capsys):
    assert student.main([str(tmp_path / "nope.ipynb"), "--out", str(tmp_path)]) == 2
    assert "no such notebook" in capsys.readouterr().err


def test_makefile_has_the_target():
    makefile = (ROOT / "Makefile").read_text()
    assert "\nstudent:" in makefile and "scripts/make_student.py" in makefile
