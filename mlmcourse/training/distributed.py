"""Data parallelism: the same loop on several processes (GPUs, or CPU processes over gloo), through Accelerate.

What it teaches: data-parallel training runs one copy of the model per process. Every optimizer step, each process
takes its own shard of the global batch, computes gradients on it, and the processes **average their gradients**
(an all-reduce, done by PyTorch's ``DistributedDataParallel`` during ``backward``) before each takes the same
optimizer step, so the copies stay identical. Three details make N processes compute what one process with the
same global batch computes:

- *the same data and masks*: every process builds the whole global micro-batch from the resumable order and masks
  it with the generator of its position (as one process would), then keeps its own rows; masks depend on the
  example's place in the global batch, never on the rank;
- *the same loss*: a masked-LM loss is a mean over predicted tokens, and the shards hold different numbers of
  them. DDP averages gradients with equal weights, so each process scales its summed token losses by
  ``world_size / global_predicted`` (the global count comes from an all-reduce): the average of the processes'
  gradients is then the gradient of the global token-weighted mean;
- *one writer*: only the main process (rank 0) writes logs, checkpoints and exports; every process reaches each
  collective operation (a process that skipped one would leave the others waiting forever).

What it simplifies: plain DDP (every process holds the whole model and optimizer). Models too large for one device
need sharding (FSDP, DeepSpeed ZeRO), which Accelerate configures (``accelerate config``); the course's models
never need it. Dropout draws differ per process (equality with one process holds with dropout 0).

Production twin: ``accelerate.Accelerator`` (``prepare``, ``no_sync``, ``reduce``) and the Trainer's
``average_tokens_across_devices``; launched by ``accelerate launch`` or ``torchrun``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch

from mlmcourse.errors import CourseError


def launched_world_size() -> int:
    """How many processes the launcher started (``WORLD_SIZE``, set by torchrun and accelerate launch); 1 if none.

    >>> import os; os.environ.pop("WORLD_SIZE", None) and None; launched_world_size()
    1
    """
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def shard(rows: dict[str, torch.Tensor], rank: int, world_size: int) -> dict[str, torch.Tensor]:
    """Rank ``rank``'s contiguous share of a global micro-batch (the batch size must divide evenly).

    >>> shard({"input_ids": torch.arange(8).view(4, 2)}, rank=1, world_size=2)["input_ids"].tolist()
    [[4, 5], [6, 7]]
    """
    size = next(iter(rows.values())).size(0)
    if size % world_size:
        raise CourseError(f"a global micro-batch of {size} rows does not split evenly over {world_size} processes")
    per_rank = size // world_size
    return {name: tensor[rank * per_rank:(rank + 1) * per_rank] for name, tensor in rows.items()}


@dataclass
class Distributed:
    """The process's place in a data-parallel run; with one process every method is a no-op."""

    rank: int = 0
    world_size: int = 1
    accelerator: object | None = None  # accelerate.Accelerator when world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_environment(cls, device: torch.device) -> Distributed:
        """Join the process group the launcher set up (``accelerate launch`` / ``torchrun``), or stay alone."""
        if launched_world_size() == 1:
            return cls()
        from accelerate import Accelerator

        accelerator = Accelerator(cpu=device.type == "cpu")
        return cls(rank=accelerator.process_index, world_size=accelerator.num_processes, accelerator=accelerator)

    def device(self, requested: torch.device) -> torch.device:
        """The device this process trains on (its own GPU under a launcher)."""
        return self.accelerator.device if self.accelerator is not None else requested

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model DDP-wrapped (gradients averaged during backward), or the model itself."""
        if self.accelerator is None:
            return model
        return self.accelerator.prepare_model(model, device_placement=True)

    def no_sync(self, model: torch.nn.Module, last_micro_batch: bool):
        """Skip the gradient all-reduce on all but the last micro-batch of a step (gradient accumulation)."""
        if self.accelerator is None or last_micro_batch:
            return contextlib.nullcontext()
        return model.no_sync()

    def sum(self, value: float) -> float:
        """The sum of ``value`` over all processes (a collective: every process must call it)."""
        if self.accelerator is None:
            return value
        tensor = torch.tensor([float(value)], dtype=torch.float64, device=self.accelerator.device)
        torch.distributed.all_reduce(tensor)
        return float(tensor.item())

    def barrier(self) -> None:
        if self.accelerator is not None:
            self.accelerator.wait_for_everyone()
