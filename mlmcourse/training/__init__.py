"""Training a masked language model: the loop and everything around it.

Read in this order: ``schedules`` (warmup and decay), ``device`` (CUDA / MPS / CPU, bf16 / fp16 / fp32),
``data`` (packing and a resumable batch order), ``batches`` (dynamic training masks, a fixed evaluation mask),
``evaluation`` (token-weighted loss), ``flops`` (cost per token, MFU), ``checkpoint`` (atomic, pickle-free,
exact resume), ``config`` (``TrainConfig``), ``callbacks`` (state, hooks, result), ``build`` (set-up),
``loop`` (``train``), ``cli`` (``mlmcourse train``), ``adaptation`` (continued pretraining on new text: replay
mixtures; ``TrainConfig.init_from`` starts a run from a trained model).
"""

from __future__ import annotations

from mlmcourse.training.callbacks import Callback, StopAfter, TrainingDiverged, TrainResult, TrainState
from mlmcourse.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from mlmcourse.training.config import TrainConfig
from mlmcourse.training.device import DeviceChoice, choose_device
from mlmcourse.training.flops import mfu, training_flops_per_token
from mlmcourse.training.loop import train
from mlmcourse.training.schedules import lr_factor, make_scheduler

__all__ = [
    "Callback", "DeviceChoice", "StopAfter", "TrainConfig", "TrainResult", "TrainState", "TrainingDiverged",
    "choose_device", "latest_checkpoint", "load_checkpoint", "lr_factor", "make_scheduler", "mfu",
    "save_checkpoint", "train", "training_flops_per_token",
]
