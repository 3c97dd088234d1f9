"""docs/teaching.md: its generated parts (run times, the exercises' wrong answers) agree with their sources."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "teaching.md"


teaching = load_script("teaching_doc")


def test_docstring_examples():
    assert doctest.testmod(teaching).failed == 0


def test_the_committed_doc_is_up_to_date():
    """Times from the committed notebooks' metadata, hints from the committed checkers."""
    assert teaching.main(["--check"]) == 0, "run `python scripts/teaching_doc.py`"


def test_times_come_from_the_notebooks_metadata(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "docs").mkdir()
    stored = {"01_corpus": {"mode": "full", "seconds": 125, "device": "cpu (Test CPU, 2 cores)",
                            "executed": "2026-12-05"},
              "02_tokenization": {"mode": "smoke", "seconds": 9},  # a smoke run is not a full-size time
              "03_masking": None}  # never run by `make notebooks`
    for name, meta in stored.items():
        notebook = {"cells": [], "metadata": {"mlmcourse": meta} if meta else {}, "nbformat": 4, "nbformat_minor": 5}
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "docs" / "smoke_times.json").write_text(json.dumps({"notebooks": {"01_corpus": 20, "03_masking": 40}}))
    text = ("<!-- run-times -->\n| Session | Notebooks | Run All, full size | Run All, smoke |\n|---|---|---|---|\n"
            "| A | 01 | | |\n| B | 01, 03 | | |\n| Break | | | |\n| C | 02 | old | old |\n<!-- /run-times -->\n"
            "<!-- measured -->\n<!-- /measured -->\n")
    out = teaching.regenerate(text, tmp_path)
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[3:5]]
            for line in out.splitlines() if line.startswith("| ") and "Session" not in line}
    assert rows["A"] == ["2 min", "< 1 min"]
    assert rows["B"] == ["not measured yet", "1 min"]  # 03 has no full-size run; smoke 20 + 40 s
    assert rows["Break"] == ["", ""]
    assert rows["C"] == ["not measured yet", "not measured yet"]
    assert "| `01_corpus` | 2 min | cpu (Test CPU, 2 cores) | 2026-12-05 | < 1 min |" in out
    assert "| `02_tokenization` | not measured yet |  |  | not measured yet |" in out
    assert teaching.regenerate(out, tmp_path) == out  # idempotent


def test_hints_are_read_from_every_kind_of_checker_code(tmp_path):
    """Literal hints, a helper's returned hints, either branch of `a if c else b`, a variable set in if/else,
    `table.get(answer, default)`, and a loop over a helper's {hint: wrong answer} dict."""
    module = tmp_path / "ex99.py"
    module.write_text('''"""Checker for notebook 99.

The exercise: write ``f(x)``.
"""
from mlmcourse.exercises import Feedback


def _hint(x):
    if x:
        return "hint from a helper"
    return f"another helper hint for {x}"


def _variants():
    return {"correct": 1, "hint from a variants key": 2}


def check_f(function):
    if function(1) is None:
        return Feedback(False, "returned None.", "a literal hint")
    if function(2) == 3:
        return Feedback(False, f"got {function(2)}", _hint(2))
    if function(3) == 4:
        return Feedback(False, "three", "branch one" if function(0) else "branch two")
    if function(4) == 5:
        hint = "assigned in if"
    else:
        hint = "assigned in else"
    hints = {1: "from a table"}
    for tip, wrong in _variants().items():
        pass
    variants = _variants()
    for tip, wrong in variants.items():
        if tip != "correct" and function(5) == wrong:
            return Feedback(False, "variant", tip)
    if function(6) == 7:
        return Feedback(False, "table", hints.get(function(6), "table default"))
    return Feedback(False, "four", hint)
''')
    found = teaching.wrong_answers(module)
    hints = {hint for _, hint in found["rows"]}
    assert hints == {"a literal hint", "hint from a helper", "another helper hint for …", "branch one", "branch two",
                     "assigned in if", "assigned in else", "hint from a variants key", "from a table", "table default"}
    assert ("got …", "hint from a helper") in found["rows"]
    assert found["checkers"] == ["check_f"] and found["summary"] == "write `f(x)`."


def test_every_exercise_has_its_checkers_and_hints_in_the_doc():
    text = DOC.read_text()
    for path in sorted((ROOT / "mlmcourse" / "exercises").glob("ex[0-9][0-9].py")):
        found = teaching.wrong_answers(path)
        assert found["checkers"] and sum(1 for _, hint in found["rows"] if hint) >= 2, path.name
        for checker in found["checkers"]:
            assert f"`{checker}`" in text


def test_schedules_and_questions_cover_every_notebook():
    text = DOC.read_text()
    schedules = re.findall(r"<!-- run-times -->\n(.*?)<!-- /run-times -->", text, re.S)
    assert len(schedules) == 2  # one day, two days
    two_days = set(re.findall(r"\b\d\d\b", "".join(line.split("|")[3] for line in schedules[1].splitlines()[2:])))
    notebooks = sorted((ROOT / "notebooks").glob("[01][0-9]_*.ipynb"))
    assert {path.name[:2] for path in notebooks} <= two_days  # every notebook has its place in the two days
    for path in notebooks:
        section = re.search(rf"^### {path.name[:2]} · .*?(?=^### |\Z)", text.split("## Discussion questions")[1],
                            re.S | re.M)
        assert section and section.group(0).count("\n- ") >= 3, path.name
    assert "in preparation" not in text.lower()
    assert "pip install --no-index --find-links" in text and "make wheelhouse" in text and "make student" in text


def test_the_wheelhouse_commands_are_the_makefile_ones_with_the_locked_torch():
    text = DOC.read_text()
    torch_version = re.search(r"^torch==(\S+)$", (ROOT / "requirements" / "constraints.txt").read_text(), re.M)[1]
    assert f'pip download -d wheelhouse "torch=={torch_version}" --index-url https://download.pytorch.org/whl/cpu' \
        in text
    makefile = (ROOT / "Makefile").read_text()
    wheel_command = ('python3 -m pip wheel -w wheelhouse --find-links wheelhouse -c requirements/constraints.txt '
                     '".[dev]" "setuptools>=68"')
    assert wheel_command in text
    assert wheel_command.replace("wheelhouse", "$(WHEELHOUSE_DIR)") in makefile
