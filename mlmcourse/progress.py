"""Progress bars that read well live and stored: ``from mlmcourse.progress import tqdm``.

In a live notebook ``tqdm.auto`` draws a widget bar. A widget is not stored with the notebook's text, so a reader
on GitHub or nbviewer would see a frozen ``0%| | 0/344`` instead. When ``MLMCOURSE_TEXT_PROGRESS`` is set (``make
notebooks`` sets it while it stores full-size runs) the bars are plain text, whose last state (100%) is what the
stored notebook keeps.
"""

from __future__ import annotations

import os

if os.environ.get("MLMCOURSE_TEXT_PROGRESS", "").strip().lower() in {"1", "true", "yes", "on"}:
    from tqdm.std import tqdm
else:
    from tqdm.auto import tqdm

__all__ = ["tqdm"]
