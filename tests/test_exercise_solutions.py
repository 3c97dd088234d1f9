"""Every notebook exercise: the learner's stub fails its checker, the solution shown (collapsed) passes it.

The solution sits in a ``<details>`` block of a markdown cell, never in a code cell (GitHub, Colab and VS Code
ignore JupyterLab's "hidden" cell setting). These tests keep that shown code right as the checkers evolve; each
checker's own tests prove it against the package's reference and typical wrong answers.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))
SOLUTION = re.compile(r"<details><summary><b>Solution</b>.*?```python\n(.*?)```.*?</details>", re.S)
CHECK_CALL = re.compile(r"^(check_\w+)\((\w+)", re.M)
IMPORT = re.compile(r"^from (mlmcourse\.exercises\.ex\d+) import (.+)$", re.M)


def exercises(path: Path) -> list[tuple[str, str, str, str]]:
    """(checker module, checker name, function name, solution code) for each exercise, in order."""
    cells = json.loads(path.read_text())["cells"]
    stubs, solutions, modules = [], [], {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            solutions += SOLUTION.findall(source)
        elif "raise NotImplementedError" in source:
            for module, names in IMPORT.findall(source):
                modules.update({name.strip(): module for name in names.split(",")})
            stubs += CHECK_CALL.findall(source)
    assert len(stubs) == len(solutions), f"{path.name}: {len(stubs)} exercises but {len(solutions)} solution blocks"
    return [(modules[checker], checker, function, code)
            for (checker, function), code in zip(stubs, solutions, strict=True)]


CASES = [(path.name, *case) for path in NOTEBOOKS for case in exercises(path)]


def test_every_notebook_up_to_08_has_an_exercise():
    assert {name for name, *_ in CASES} >= {path.name for path in NOTEBOOKS}


@pytest.mark.parametrize(("notebook", "module", "checker", "function", "code"), CASES,
                         ids=[f"{case[0][:2]}-{case[2]}" for case in CASES])
def test_shown_solution_passes_and_stub_fails(notebook, module, checker, function, code):
    check = getattr(importlib.import_module(module), checker)
    namespace: dict = {}
    exec(compile(code, f"{notebook} solution", "exec"), namespace)
    feedback = check(namespace[function])
    assert feedback.passed, f"{notebook}: the shown solution fails {checker}: {feedback}"

    def stub(*args, **kwargs):
        raise NotImplementedError

    assert not check(stub).passed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem[:2] for path in NOTEBOOKS])
def test_no_code_cell_holds_a_solution(path):
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert not re.search(r"^\s*#\s*(reference\s+)?solution\b", source, re.I | re.M), source[:200]
            assert "source_hidden" not in json.dumps(cell.get("metadata", {})), "hidden code cell: " + source[:200]
