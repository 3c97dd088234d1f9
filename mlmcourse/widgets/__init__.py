"""Interactive ipywidgets for the notebooks.

Widgets are thin: each wires controls to a pure function (in the same module or in the pipeline module it
shows) that the tests call directly. Widgets are imported lazily, so ``import mlmcourse.widgets`` stays cheap.
"""

from __future__ import annotations

import importlib

# widget class name -> module under mlmcourse.widgets
_WIDGETS: dict[str, str] = {
    "PosteriorExplorer": "posterior_explorer",
    "FillMaskPlayground": "fill_mask_playground",
    "AttentionViewer": "attention_viewer",
    "TrainingDashboard": "training_dashboard",
    "TokenizerExplorer": "tokenizer_explorer",
    "MaskingExplorer": "masking_explorer",
}


def __getattr__(name: str):
    if name in _WIDGETS:
        return getattr(importlib.import_module(f"mlmcourse.widgets.{_WIDGETS[name]}"), name)
    raise AttributeError(f"module 'mlmcourse.widgets' has no attribute {name!r}; widgets: {sorted(_WIDGETS)}")


def __dir__() -> list[str]:
    return sorted(_WIDGETS)
