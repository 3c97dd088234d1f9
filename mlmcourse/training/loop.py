"""The training loop: ``train(config, callbacks) -> TrainResult``.

What it teaches: one optimizer step is (1) take the next micro-batches from a resumable order and mask them,
(2) forward under autocast, loss weighted by predicted tokens, backward, ``grad_accum`` times, (3) check the loss
is finite, clip the gradient norm, step the optimizer and the schedule. Around it: a progress bar with tokens/s,
evaluation on a fixed mask every ``eval_every`` steps, atomic checkpoints every ``checkpoint_every`` steps, a
time budget, callbacks that may stop the run, and an exact resume from the latest checkpoint.

Under ``accelerate launch`` or ``torchrun`` the same loop runs data-parallel (``distributed``): each process trains
on its shard of every global batch, gradients are averaged, and only the main process writes.

What it simplifies: no early stopping on validation loss.

Production twin: ``transformers.Trainer.train`` (``_inner_training_loop``) and nanoGPT's ``train.py``.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import torch

from mlmcourse.atomic import atomic_folder
from mlmcourse.model.config import PRESETS
from mlmcourse.progress import tqdm
from mlmcourse.training.batches import BatchMasker, count_predicted, make_eval_batches
from mlmcourse.training.build import build_model, load_texts, load_tokenizer, make_optimizer, prepare_out_dir
from mlmcourse.training.callbacks import TrainingDiverged, TrainResult, TrainState, call_hook
from mlmcourse.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from mlmcourse.training.config import TrainConfig
from mlmcourse.training.data import BatchOrder, make_blocks, masking_generator
from mlmcourse.training.device import DeviceChoice, choose_device
from mlmcourse.training.distributed import Distributed, shard
from mlmcourse.training.evaluation import evaluate
from mlmcourse.training.flops import mfu, model_shape, peak_flops, training_flops_per_token
from mlmcourse.training.schedules import make_scheduler


def train(config: TrainConfig, callbacks=(), *, tokenizer=None, texts: dict[str, list[str]] | None = None,
          model: torch.nn.Module | None = None) -> TrainResult:
    """Train a masked LM as ``config`` says; resume from ``config.out_dir`` when ``config.resume``.

    ``tokenizer``, ``texts`` (``{"train": [...], "validation": [...]}``) and ``model`` replace what the config
    would load (the notebooks and tests pass small ones). Raises :class:`TrainingDiverged` on a NaN/inf loss.
    """
    choice = choose_device(config.device, config.precision, hidden_size=PRESETS.get(config.preset, (0, 128))[1])
    dist = Distributed.from_environment(choice.device)
    choice = replace(choice, device=dist.device(choice.device))
    say = print if dist.is_main else _silent
    say(choice.describe())
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    out_dir, checkpoints_dir = prepare_out_dir(config, write=dist.is_main)
    dist.barrier()
    tokenizer = tokenizer if tokenizer is not None else load_tokenizer(config)
    texts = texts if texts is not None else load_texts(config)
    progress_bars = config.progress and dist.is_main
    train_blocks = make_blocks(tokenizer, texts["train"], config.seq_len, config.packing, progress_bars)
    if train_blocks.note:
        say(f"Note: {train_blocks.note}")
    masker = BatchMasker(tokenizer, config.masking, config.mask_prob)
    eval_blocks = make_blocks(tokenizer, texts["validation"], config.seq_len, config.packing, progress_bars)
    eval_batches = make_eval_batches(eval_blocks, masker, config.batch_size, config.eval_sequences, config.seed)
    # Every process walks the same order of *global* micro-batches and keeps its own rows of each.
    order = BatchOrder(len(train_blocks), config.batch_size * dist.world_size, config.seed)
    global_batch = config.batch_size * dist.world_size * config.grad_accum
    if dist.world_size > 1:
        say(f"Data parallel: {config.batch_size} sequences per process x {dist.world_size} processes x "
            f"{config.grad_accum} accumulation = a global batch of {global_batch} sequences per step")

    torch.manual_seed(config.seed)
    if model is None:
        model = build_model(config, len(tokenizer), tokenizer.pad_token_id)
    torch.manual_seed(config.seed)  # dropout draws the same numbers whether the model was built here or passed in
    model.to(choice.device)
    optimizer = make_optimizer(model, config, choice.device)
    scheduler = make_scheduler(optimizer, warmup_steps=config.warmup_steps, total_steps=config.max_steps,
                               schedule=config.schedule)
    scaler = choice.grad_scaler()
    state = TrainState(max_steps=config.max_steps, world_size=dist.world_size)
    if config.resume and (found := latest_checkpoint(checkpoints_dir)) is not None:
        state.restore(load_checkpoint(found, model, optimizer, scheduler, scaler))
        state.last_checkpoint = str(found)
        say(f"Resumed from {found} (step {state.step}, {state.tokens_seen:,} tokens seen)")
    forward = dist.wrap(torch.compile(model) if config.compile else model)
    callbacks = callbacks if dist.is_main else ()  # callbacks watch the main process; a stop reaches all

    run = _Run(config, choice, model, forward, optimizer, scheduler, scaler, state, callbacks, checkpoints_dir, dist)
    flops_per_token = training_flops_per_token(
        **model_shape(model), seq_len=config.seq_len,
        predicted_fraction=config.mask_prob if getattr(model.config, "sparse_head", False) else 1.0)
    call_hook(callbacks, "on_train_begin", state)
    progress = tqdm(total=config.max_steps, initial=state.step, desc="training", unit="step",
                    disable=not progress_bars, dynamic_ncols=True)
    start, window = time.perf_counter(), []
    try:
        while state.step < config.max_steps and not state.should_stop:
            out_of_time = config.max_minutes is not None and time.perf_counter() - start > 60 * config.max_minutes
            if dist.sum(float(out_of_time and dist.is_main)) > 0:  # the main process's clock decides for all
                state.stop_reason = "max_minutes"
                break
            tokens, seconds = run.step(order, train_blocks, masker, flops_per_token)
            window.append((state.loss, tokens, seconds))
            progress.update(1)
            call_hook(callbacks, "on_step_end", state)
            state.should_stop = dist.sum(float(state.should_stop)) > 0  # a stop asked on the main process
            if state.step % config.log_every == 0 or state.step == config.max_steps:
                run.log(window, progress)
                window = []
            if state.step % config.eval_every == 0 or state.step == config.max_steps:
                run.evaluate(eval_batches)
            if checkpoints_dir and (state.step % config.checkpoint_every == 0 or state.should_stop):
                run.checkpoint()
    except TrainingDiverged as error:
        error.result = run.result(flops_per_token, out_dir, "diverged")
        call_hook(callbacks, "on_train_end", state, error.result)
        raise
    finally:
        progress.close()
    state.stop_reason = state.stop_reason or ("stopped" if state.should_stop else "max_steps")
    if window:
        run.log(window, None)
    if not state.evals or state.evals[-1]["step"] != state.step:
        run.evaluate(eval_batches)
    if checkpoints_dir and (state.last_checkpoint is None or not state.last_checkpoint.endswith(f"{state.step:06d}")):
        run.checkpoint()
    if out_dir is not None and dist.is_main:
        with atomic_folder(out_dir / "model") as staging:  # complete or absent, never a mix of two runs
            _save_model(model, tokenizer, staging)
    dist.barrier()
    result = run.result(flops_per_token, out_dir, state.stop_reason)
    call_hook(callbacks, "on_train_end", state, result)
    say(result.summary())
    return result


def _silent(*args, **kwargs) -> None:
    """``print`` for the processes of a data-parallel run other than the main one."""


class _Run:
    """The objects of one run and the four things the loop does with them: step, log, evaluate, checkpoint."""

    def __init__(self, config: TrainConfig, choice: DeviceChoice, model, forward, optimizer, scheduler, scaler,
                 state: TrainState, callbacks, checkpoints_dir, dist: Distributed | None = None) -> None:
        self.config, self.choice, self.model, self.forward = config, choice, model, forward
        self.optimizer, self.scheduler, self.scaler, self.state = optimizer, scheduler, scaler, state
        self.callbacks, self.checkpoints_dir = callbacks, checkpoints_dir
        self.dist = dist or Distributed()
        self.parameters = [p for p in model.parameters() if p.requires_grad]

    def step(self, order: BatchOrder, blocks, masker: BatchMasker, flops_per_token: float) -> tuple[int, float]:
        """One optimizer step over ``grad_accum`` micro-batches; returns (tokens trained on, seconds)."""
        config, state, device, dist = self.config, self.state, self.choice.device, self.dist
        started = time.perf_counter()
        micro_batches = []
        for _ in range(config.grad_accum):
            rows = blocks.rows(order.indices(state.position))  # the global micro-batch
            masked = masker(rows, masking_generator(config.seed, state.position))  # masks as one process draws them
            micro_batches.append(shard(masked, dist.rank, dist.world_size) if dist.world_size > 1 else masked)
            state.position += 1
        # Weight each micro-batch's mean loss by its share of the step's predicted tokens (over all processes, times
        # the number of processes, which DDP's gradient average divides by again): the step's loss is then the mean
        # over all its predicted tokens, whatever grad_accum and the number of processes are.
        total_predicted = dist.sum(sum(count_predicted(batch) for batch in micro_batches))
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        token_loss_sum = torch.zeros((), device=device)
        for number, batch in enumerate(micro_batches):
            predicted = count_predicted(batch)
            batch = {name: tensor.to(device, non_blocking=True) for name, tensor in batch.items()}
            with dist.no_sync(self.forward, last_micro_batch=number == len(micro_batches) - 1):
                if predicted == 0:
                    if dist.world_size == 1:
                        continue
                    # Nothing to predict in this shard, but every process must join the gradient all-reduce.
                    loss = sum(parameter.sum() for parameter in self.parameters) * 0.0
                else:
                    with self.choice.autocast():
                        mean_loss = self.forward(**batch).loss
                    loss = mean_loss * (predicted * dist.world_size / total_predicted)
                    token_loss_sum += mean_loss.detach().float() * predicted
                (self.scaler.scale(loss) if self.scaler else loss).backward()
        # one sync per step (the GPU is waited for here)
        loss_value = dist.sum(float(token_loss_sum)) / total_predicted if total_predicted else 0.0
        if not math.isfinite(loss_value):
            last = self.state.last_checkpoint or "none was written yet"
            raise TrainingDiverged(
                f"the loss became {loss_value} at step {state.step + 1} (learning rate "
                f"{self.scheduler.get_last_lr()[0]:.2e}); training stopped before this step changed the weights. "
                f"Last good checkpoint: {last}. Try a lower --lr, more --warmup-steps, --clip 1.0, or "
                "--precision fp32.")
        if self.scaler:
            self.scaler.unscale_(self.optimizer)  # clip the true gradients, not the scaled ones
        if config.clip is not None:
            torch.nn.utils.clip_grad_norm_(self.parameters, config.clip)
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        state.lr = self.scheduler.get_last_lr()[0]  # the rate this step used
        self.scheduler.step()
        tokens = int(dist.sum(sum(int(batch["attention_mask"].sum()) for batch in micro_batches)))
        seconds = time.perf_counter() - started
        state.step += 1
        state.loss = loss_value
        state.tokens_seen += tokens
        state.train_seconds += seconds
        return tokens, seconds

    def log(self, window: list[tuple[float, int, float]], progress) -> None:
        state = self.state
        tokens, seconds = sum(w[1] for w in window), sum(w[2] for w in window)
        state.tokens_per_second = tokens / seconds if seconds > 0 else 0.0
        entry = {"step": state.step, "loss": sum(w[0] for w in window) / len(window), "lr": state.lr,
                 "tokens": state.tokens_seen, "seconds": round(state.train_seconds, 4)}
        state.history.append(entry)
        if progress is not None:
            progress.set_postfix(loss=f"{entry['loss']:.3f}", tok_s=f"{state.tokens_per_second:,.0f}",
                                 refresh=False)
        call_hook(self.callbacks, "on_log", state, entry)

    def evaluate(self, eval_batches) -> None:
        if not self.dist.is_main:  # the main process evaluates the (identical) weights for everyone
            return
        metrics = evaluate(self.model, eval_batches, self.choice.device, self.choice.autocast)
        metrics = {"step": self.state.step, "seconds": round(self.state.train_seconds, 4), **metrics}
        self.state.evals.append(metrics)
        call_hook(self.callbacks, "on_evaluate", self.state, metrics)

    def checkpoint(self) -> None:
        if not self.dist.is_main:  # one writer; the other processes' weights and optimizer are the same
            return
        path = save_checkpoint(self.checkpoints_dir, self.state.step, self.model, self.optimizer, self.scheduler,
                               self.state.to_saved(), self.scaler, keep_last=self.config.keep_checkpoints)
        self.state.last_checkpoint = str(path)
        call_hook(self.callbacks, "on_checkpoint", self.state, str(path))

    def result(self, flops_per_token: float, out_dir, stop_reason: str) -> TrainResult:
        state = self.state
        speed = steady_tokens_per_second(state.history, state.tokens_seen, state.train_seconds)
        shape = model_shape(self.model)
        peak = (self.config.peak_tflops * 1e12 if self.config.peak_tflops
                else peak_flops(self.choice.device, self.choice.precision, shape["hidden_size"],
                                self.config.batch_size * self.config.seq_len))
        return TrainResult(
            history=state.history, evals=state.evals, steps=state.step, tokens_seen=state.tokens_seen,
            train_seconds=state.train_seconds, tokens_per_second=speed, flops_per_token=flops_per_token,
            mfu=mfu(flops_per_token, speed, peak), stop_reason=stop_reason, device=self.choice.describe(),
            out_dir=str(out_dir) if out_dir else None, checkpoint=state.last_checkpoint, model=self.model,
            global_batch=self.config.batch_size * self.dist.world_size * self.config.grad_accum,
            world_size=self.dist.world_size)


def steady_tokens_per_second(history: list[dict[str, float]], tokens_seen: int, train_seconds: float) -> float:
    """Throughput after the first logged window (which pays for warm-up and compilation).

    >>> steady_tokens_per_second([{"tokens": 100, "seconds": 5.0}, {"tokens": 300, "seconds": 6.0}], 500, 7.0)
    200.0
    """
    if len(history) >= 2 and train_seconds > history[0]["seconds"]:
        return (tokens_seen - history[0]["tokens"]) / (train_seconds - history[0]["seconds"])
    return tokens_seen / train_seconds if train_seconds > 0 else 0.0


def _save_model(model: torch.nn.Module, tokenizer, folder) -> None:
    """The trained model in Hugging Face format (``pipeline("fill-mask", model=folder)`` loads it)."""
    from mlmcourse.model import MaskedLM

    if isinstance(model, MaskedLM):
        model.save_pretrained(folder, tokenizer=tokenizer)
    else:  # a transformers model
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
