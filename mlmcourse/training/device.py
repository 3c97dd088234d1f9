"""Where training runs and in which precision: CUDA, Apple MPS or CPU; bf16, fp16 or fp32.

What it teaches: the same loop runs everywhere, and two decisions change its speed most. (1) The device: a CUDA GPU
if there is one, else Apple's MPS, else the CPU. (2) The precision: on a CUDA GPU with bfloat16 (Ampere and newer)
matmuls run in bf16 under ``torch.autocast`` while the weights and the optimizer stay in fp32; on older GPUs fp16
needs a ``GradScaler`` (fp16's small range makes small gradients underflow to 0 unless the loss is scaled up first);
on a CPU, bf16 where the CPU multiplies it natively and a quick measurement shows it pays, else fp32. TF32 (10-bit mantissa matmuls for fp32 tensors) is switched on for CUDA.

What it simplifies: one device per process (multi-GPU goes through Accelerate, not here); MPS defaults to fp32
because mixed precision on MPS is young; on a CPU, fp16 is refused (no native fp16 matmuls to gain from).

Production twins: ``accelerate.Accelerator(mixed_precision=...)`` and the Trainer's ``bf16`` / ``fp16`` / ``tf32``
arguments make the same choices.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from mlmcourse.errors import CourseError

DEVICES = ("auto", "cuda", "mps", "cpu")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class DeviceChoice:
    """The device and precision training uses, and why they were chosen."""

    device: torch.device
    precision: str  # "bf16" | "fp16" | "fp32"
    reason: str

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        """The dtype matmuls run in under autocast (None: plain fp32)."""
        return _DTYPES.get(self.precision)

    def autocast(self) -> contextlib.AbstractContextManager:
        """The context the forward pass runs in: ``torch.autocast`` for bf16/fp16, nothing for fp32."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    def grad_scaler(self) -> torch.amp.GradScaler | None:
        """A loss scaler for fp16 (its range is too small for tiny gradients); None otherwise."""
        return torch.amp.GradScaler(self.device.type) if self.precision == "fp16" else None

    def describe(self) -> str:
        """One line for the log: what was chosen and why."""
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else self.device.type
        return f"Training on {self.device.type} ({name}) in {self.precision}: {self.reason}"


def _bf16_on_cuda() -> bool:
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def choose_device(device: str = "auto", precision: str = "auto", hidden_size: int = 128) -> DeviceChoice:
    """Pick the device and precision; raise CourseError (saying what to try) when a request cannot be met.

    ``auto`` takes CUDA, then MPS, then the CPU. Precision ``auto`` takes bf16 on CUDA (fp16 where bf16 is
    missing); on a CPU with native bf16 it times a ``hidden_size``-wide block in both precisions and takes bf16
    where it is clearly faster (:func:`mlmcourse.training.hardware.cpu_precision`); fp32 elsewhere:

    >>> choice = choose_device("cpu", "fp32")
    >>> choice.device.type, choice.precision, choice.reason
    ('cpu', 'fp32', "device 'cpu' was requested; precision 'fp32' was requested")
    """
    if device not in DEVICES:
        raise CourseError(f"unknown device {device!r}; expected one of {', '.join(DEVICES)}")
    if precision not in PRECISIONS:
        raise CourseError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise CourseError("device 'cuda' was requested but PyTorch sees no CUDA GPU "
                          f"(torch {torch.__version__}); use device 'auto' or 'cpu', or install a CUDA build of torch")
    if device == "mps" and not _mps_available():
        raise CourseError("device 'mps' was requested but this machine has no Apple GPU; use device 'auto' or 'cpu'")

    if device == "auto":
        if torch.cuda.is_available():
            device, why = "cuda", "a CUDA GPU was found"
        elif _mps_available():
            device, why = "mps", "an Apple GPU (MPS) was found"
        else:
            device, why = "cpu", "no CUDA or Apple GPU was found"
    else:
        why = f"device {device!r} was requested"

    if precision == "auto":
        if device == "cuda":
            precision = "bf16" if _bf16_on_cuda() else "fp16"
            why += "; bf16 autocast" if precision == "bf16" else "; this GPU lacks bf16, so fp16 with a GradScaler"
        elif device == "cpu":
            from mlmcourse.training.hardware import cpu_precision

            precision, because = cpu_precision(hidden_size)
            why += "; " + because
        else:
            precision = "fp32"
            why += "; fp32: mixed precision on Apple's MPS is young"
    else:
        why += f"; precision {precision!r} was requested"
        if precision == "bf16" and device == "cuda" and not _bf16_on_cuda():
            raise CourseError("this GPU has no bf16 support; use precision 'fp16' (with a loss scaler) or 'fp32'")
        if precision == "fp16" and device == "cpu":
            raise CourseError("fp16 autocast is not useful on a CPU; use precision 'bf16' or 'fp32'")

    if device == "cuda":
        # fp32 matmuls in TF32: about the same accuracy, several times faster. (This call, unlike the legacy
        # `allow_tf32` flags, can be mixed with torch >= 2.9's `fp32_precision` API without errors.)
        torch.set_float32_matmul_precision("high")
        why += "; TF32 matmuls on"
    return DeviceChoice(device=torch.device(device), precision=precision, reason=why)
