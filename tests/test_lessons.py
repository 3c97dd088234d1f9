"""The notebooks' lesson checks and the script that stores full-size runs."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from _scripts import load_script

from mlmcourse import lessons

ROOT = Path(__file__).resolve().parents[1]


def test_docstring_examples():
    assert doctest.testmod(lessons).failed == 0
    assert doctest.testmod(load_script("run_notebooks")).failed == 0


def test_expect_raises_at_full_size_and_only_reports_in_smoke_mode(capsys, monkeypatch):
    with pytest.raises(lessons.LessonNotShown, match="warmup leaves the plateau earlier.*step 900 vs 700"):
        lessons.expect(900 < 700, "warmup leaves the plateau earlier", "step 900 vs 700", smoke=False)
    monkeypatch.setenv("MLMCOURSE_SMOKE", "1")
    lessons.expect(False, "replay forgets less")
    assert "[smoke run: lesson not checked] replay forgets less: does not hold" in capsys.readouterr().out
    monkeypatch.setenv("MLMCOURSE_SMOKE", "0")
    with pytest.raises(lessons.LessonNotShown):
        lessons.expect(False, "replay forgets less")


def test_spread_and_clearly_lower():
    assert lessons.spread([1.0, 2.0, 3.0], digits=2) == "2.00 ± 1.00"
    assert lessons.clearly_lower([1, 2], [2.5, 3]) and not lessons.clearly_lower([1, 3], [2.5, 4])


def test_lesson_failure_is_named_and_course_map_is_written(tmp_path):
    script = load_script("run_notebooks")
    error = RuntimeError("...\nLessonNotShown: this run does not show the lesson 'replay forgets less' (0.4 vs 0.3)\n")
    assert script.lesson_failure(error) == "this run does not show the lesson 'replay forgets less' (0.4 vs 0.3)"
    assert script.lesson_failure(RuntimeError("ZeroDivisionError")) is None
    readme = tmp_path / "README.md"
    readme.write_text("| `00_fill_mask_in_five_minutes` | The task | < 1 min | 9 min | < 1 min |\n")
    script.update_course_map(readme)  # the stored notebook's metadata decides the 'Full, CPU' column
    import json

    meta = json.loads((ROOT / "notebooks" / "00_fill_mask_in_five_minutes.ipynb").read_text())["metadata"]
    expected = script.format_minutes(meta["mlmcourse"]["seconds"]) if meta.get("mlmcourse", {}).get("mode") == "full" \
        else "9 min"
    assert readme.read_text() == f"| `00_fill_mask_in_five_minutes` | The task | < 1 min | {expected} | < 1 min |\n"


def test_tidy_outputs_keeps_the_last_state_of_a_text_progress_bar():
    import nbformat

    script = load_script("run_notebooks")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr",
                                                        text="train:   0%|  | 0/4\rtrain:  50%|# | 2/4\rtrain: 100%|##| 4/4\n"),
                                 nbformat.v4.new_output("stream", name="stdout", text="\r")]
    script.tidy_outputs(notebook)
    assert [output["text"] for output in notebook.cells[0].outputs] == ["train: 100%|##| 4/4\n"]


def test_tidy_outputs_keeps_one_final_state_per_bar_and_drops_unfinished_ones():
    import nbformat

    script = load_script("run_notebooks")
    stream = lambda text, name="stderr": nbformat.v4.new_output("stream", name=name, text=text)  # noqa: E731
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    notebook.cells[0].outputs = [
        stream("\rtraining:   0%|   | 0/6"), stream("\rtraining:  50%|#  | 3/6"), stream("eval loss 1.2\n", "stdout"),
        stream("\rtraining: 100%|###| 6/6\n"),
        stream("\revaluating:  0%|   | 0/9"), stream("\revaluating: 89%|## | 8/9"),  # cleared on close: never 100%
        stream("done\n", "stdout")]
    script.tidy_outputs(notebook)
    assert [output["text"] for output in notebook.cells[0].outputs] == [
        "eval loss 1.2\n", "training: 100%|###| 6/6\n", "done\n"]
