"""The Colab set-up cell: first code cell of every notebook, idempotent, silent outside Colab; the README badges."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _scripts import NOTEBOOKS, load_script

ROOT = Path(__file__).resolve().parents[1]


colab = load_script("colab_cell")


def first_code_cell(notebook: dict) -> dict:
    return next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")


@pytest.fixture
def copies(tmp_path) -> list[Path]:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in NOTEBOOKS:  # as they were before the set-up cell: the committed ones, less that cell
        notebook = json.loads(path.read_text())
        notebook["cells"] = [cell for cell in notebook["cells"] if not colab.is_setup_cell(cell)]
        (folder / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return sorted(folder.iterdir())


def test_the_script_inserts_the_cell_once_and_changes_nothing_else(copies, tmp_path):
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    originals = {path.name: json.loads(path.read_text()) for path in copies}
    assert colab.main([*map(str, copies), "--readme", str(readme)]) == 0
    first = {path.name: path.read_text() for path in copies}
    assert colab.main([*map(str, copies), "--readme", str(readme)]) == 0  # a second run changes nothing
    assert {path.name: path.read_text() for path in copies} == first
    assert colab.main([*map(str, copies), "--readme", str(readme), "--check"]) == 0
    for path in copies:
        notebook, original = json.loads(path.read_text()), originals[path.name]
        nbformat.validate(nbformat.from_dict(notebook))
        cell = first_code_cell(notebook)
        assert colab.is_setup_cell(cell) and "".join(cell["source"]) == colab.cell_source()
        assert cell["outputs"] == [] and cell["execution_count"] is None
        others = [c for c in notebook["cells"] if not colab.is_setup_cell(c)]
        assert others == original["cells"]  # every other cell as it was, in order
        assert notebook["metadata"] == original["metadata"]


def test_changing_the_repository_replaces_the_cell_in_place(copies):
    path = copies[0]
    once = colab.with_setup_cell(json.loads(path.read_text()), "someone/mlmcourse")
    again = colab.with_setup_cell(once, "other/fork")
    assert len(again["cells"]) == len(once["cells"])
    assert "https://github.com/other/fork" in "".join(first_code_cell(again)["source"])
    assert "someone/mlmcourse" not in json.dumps(again["cells"])


def test_check_reports_a_notebook_without_the_cell(copies, tmp_path, capsys):
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    assert colab.main([str(copies[0]), "--readme", str(readme), "--check"]) == 1
    assert f"out of date: {copies[0]}" in capsys.readouterr().out
    assert not colab.is_setup_cell(first_code_cell(json.loads(copies[0].read_text())))  # --check wrote nothing


def test_outside_colab_the_cell_does_nothing_and_prints_nothing(tmp_path):
    result = subprocess.run([sys.executable, "-c", colab.cell_source()], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""})
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == []  # nothing cloned


def test_on_colab_without_the_course_it_clones_and_installs(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", object())
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlmcourse" else real_find_spec(name, *a))
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append(command))
    monkeypatch.setattr(os, "chdir", lambda folder: calls.append(["chdir", folder]))
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(colab.cell_source("me/course"), "colab cell", "exec"), {})
    assert calls[0] == ["git", "clone", "--depth", "1", "https://github.com/me/course", "/content/mlmcourse"]
    assert calls[1] == [sys.executable, "-m", "pip", "install", "-q", "-e", "/content/mlmcourse"]
    assert calls[2] == ["chdir", "/content/mlmcourse/notebooks"]
    assert sys.path[0] == "/content/mlmcourse"


def test_on_colab_with_the_course_installed_it_does_nothing(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", object())
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append(command))
    exec(compile(colab.cell_source(), "colab cell", "exec"), {})  # mlmcourse is importable here
    assert calls == []


def test_the_readme_has_one_badge_per_notebook_from_the_repo_constant():
    readme = (ROOT / "README.md").read_text()
    assert colab.with_badges(readme, NOTEBOOKS) == readme, "run `python scripts/colab_cell.py --readme-only`"
    for path in NOTEBOOKS:
        assert f"colab.research.google.com/github/{colab.REPO}/blob/{colab.BRANCH}/notebooks/{path.name}" in readme


def test_every_committed_notebook_starts_with_the_setup_cell():
    for path in NOTEBOOKS:
        cell = first_code_cell(json.loads(path.read_text()))
        assert colab.is_setup_cell(cell) and "".join(cell["source"]) == colab.cell_source(), path.name
