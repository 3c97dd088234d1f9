"""What a reader sees on GitHub is a full-size run: every committed notebook was stored by ``make notebooks``.

``scripts/run_notebooks.py`` executes a notebook at full size and records how in ``metadata.mlmcourse``; these tests
fail when a committed notebook was stored from a smoke run (or by hand), holds an error, or shows a progress bar that
never finished (a widget bar saved at 0%, a text bar cut off below 100%).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# a tqdm text bar: " 45%|████▌     | 9/20 [..." (the last state of each line, after carriage returns collapsed)
TEXT_BAR = re.compile(r"(\d{1,3})%\|[^|\n]*\|\s*(\d[\d.]*[kMG]?)/(\d[\d.]*[kMG]?)")


def outputs(notebook: dict):
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            yield index, output


def output_texts(output: dict) -> list[str]:
    if output["output_type"] == "stream":
        return ["".join(output["text"])]
    data = output.get("data", {})
    return ["".join(data[kind]) for kind in ("text/plain", "text/markdown", "text/html") if kind in data]


def frozen_bars(notebook: dict) -> list[str]:
    """Progress bars a reader would see stuck below 100% (widget bars, whose live state is never stored, included)."""
    found = []
    for index, output in outputs(notebook):
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
            text = "".join(output["data"].get("text/plain", ""))
            if "%|" in text:
                found.append(f"cell {index}: a widget progress bar stored as {text.strip()!r}")
            continue
        for text in output_texts(output):
            for line in text.replace("\r", "\n").splitlines():
                bars = list(TEXT_BAR.finditer(line))
                if bars and int(bars[-1].group(1)) < 100 and bars[-1].group(2) != bars[-1].group(3):
                    found.append(f"cell {index}: {line.strip()[:120]!r}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_committed_notebook_is_a_full_size_run(path):
    notebook = json.loads(path.read_text())
    meta = notebook["metadata"].get("mlmcourse")
    assert meta, f"{path.name} was not stored by `make notebooks` (no metadata.mlmcourse)"
    assert meta["mode"] == "full", f"{path.name} holds a {meta['mode']} run; run `make notebooks NB={path}`"
    assert {"version", "commit", "device", "seconds", "executed"} <= set(meta)
    assert meta["seconds"] > 0
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code" and "".join(cell["source"]).strip()]
    # the Colab set-up cell is stored as written (it does nothing outside Colab); every other cell ran
    unexecuted = [i for i, cell in enumerate(code)
                  if cell["execution_count"] is None and "colab-setup" not in cell["metadata"].get("tags", [])]
    assert not unexecuted, f"{path.name}: code cells without a stored run: {unexecuted}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_committed_notebook_shows_no_error_and_no_frozen_bar(path):
    notebook = json.loads(path.read_text())
    errors = [f"cell {i}: {output.get('ename')}: {output.get('evalue', '')[:200]}"
              for i, output in outputs(notebook) if output["output_type"] == "error"]
    errors += [f"cell {i}: a traceback in its output" for i, output in outputs(notebook)
               if any("Traceback (most recent call last)" in text for text in output_texts(output))]
    assert not errors, f"{path.name}: " + "; ".join(errors)
    assert not frozen_bars(notebook), f"{path.name}: " + "; ".join(frozen_bars(notebook))


def test_the_frozen_bar_check_sees_both_kinds():
    widget = {"output_type": "display_data", "data": {"application/vnd.jupyter.widget-view+json": {},
                                                      "text/plain": ["  0%|          | 0/344 [00:00<?, ?it/s]"]}}
    cut = {"output_type": "stream", "name": "stderr", "text": ["train:  45%|████▌     | 9/20 [00:03<00:04]\n"]}
    done = {"output_type": "stream", "name": "stderr", "text": ["train: 100%|██████████| 20/20 [00:07<00:00]\n"]}
    notebook = {"cells": [{"cell_type": "code", "outputs": [widget, cut, done]}]}
    found = frozen_bars(notebook)
    assert len(found) == 2 and "widget" in found[0] and "9/20" in found[1]
