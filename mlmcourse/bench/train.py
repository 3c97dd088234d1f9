"""Training speed: our loop vs the Hugging Face Trainer, on the same model, data, masks rate, batch and threads.

Ours: ``mlmcourse.training.train`` with ``MaskedLM`` (sparse head: the vocabulary projection runs only at the
~15 % masked positions) and our vectorised masking. Hugging Face: ``Trainer`` + ``DataCollatorForLanguageModeling``
+ ``BertForMaskedLM`` (dense head), the way ``run_mlm.py`` trains (with ``special_tokens_mask`` precomputed).
Both start from the same initial weights (``to_hf`` of ours), read the same packed toy-world blocks, use the
same learning-rate schedule and optimizer settings, and are evaluated on the same fixed validation mask.

Measured, for each side, by a callback: wall time between consecutive optimizer steps (everything the trainer
does: data, masking, forward, backward, optimizer), minus the time of the evaluations the bench itself runs.

- ``ratio`` (headline): tokens/s ours / tokens/s Hugging Face, after ``skip`` warm-up steps. Goal >= 1.5.
- ``time_to_loss``: the wall time each side needs to first reach the validation loss both reach by the end
  (the larger of the two final losses); ``fraction`` = ours / Hugging Face. Goal <= 0.6.

GPU: ``--device cuda --preset base --precision bf16 [--compile] --vocab-size 30522`` (benchmarks/gpu_check.sh).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time

import torch

DESCRIPTION = "training tokens/s and time to a validation loss: our loop vs Trainer + DataCollatorForLanguageModeling"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a few steps of a tiny run (for the tests)")
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps per side")
    parser.add_argument("--eval-every", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--preset", default="tiny", help="model shape: tiny | mini | small | base")
    parser.add_argument("--vocab-size", type=int, default=0, help="model vocabulary (default: the tokenizer's)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup-steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads for both sides")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "mps"))
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    parser.add_argument("--compile", action="store_true", help="torch.compile both models")
    parser.add_argument("--n-sentences", type=int, default=0, help="toy-world training sentences (default: enough)")
    parser.add_argument("--eval-sequences", type=int, default=256, help="validation sequences (fixed mask)")


def _quick(args: argparse.Namespace) -> argparse.Namespace:
    if args.quick:
        small = {"steps": 6, "eval_every": 3, "batch_size": 8, "seq_len": 32, "warmup_steps": 2, "threads": 1,
                 "n_sentences": 600, "eval_sequences": 32}
        for name, value in small.items():
            setattr(args, name, value)
    return args


class StepClock:
    """Both sides' bookkeeping: ``start()`` when training begins, ``tick(step)`` after each optimizer step."""

    def __init__(self, evaluate_model, eval_every: int, total_steps: int, skip: int, tokens_per_step: int) -> None:
        self.evaluate_model, self.eval_every, self.total_steps = evaluate_model, eval_every, total_steps
        self.skip, self.tokens_per_step = skip, tokens_per_step
        self.evals: list[dict] = []
        self.clock = self.measured_seconds = 0.0
        self.measured_tokens = 0
        self.last = time.perf_counter()

    def start(self) -> None:
        self.last = time.perf_counter()  # model building and data preparation are not training time

    def tick(self, step: int) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()  # GPU work is asynchronous: count a step when it is done, not queued
        seconds = time.perf_counter() - self.last
        self.clock += seconds
        if step > self.skip:  # the first steps pay for warm-up (allocations, compilation)
            self.measured_tokens += self.tokens_per_step
            self.measured_seconds += seconds
        if step % self.eval_every == 0 or step == self.total_steps:
            loss = self.evaluate_model()["loss"]
            self.evals.append({"step": step, "seconds": round(self.clock, 3), "loss": round(loss, 5)})
        self.last = time.perf_counter()  # evaluation time is not training time


def run(args: argparse.Namespace) -> dict:
    from transformers import DataCollatorForLanguageModeling, Trainer, TrainerCallback, TrainingArguments

    from mlmcourse.corpora import load_corpus
    from mlmcourse.model import EncoderConfig, MaskedLM
    from mlmcourse.training import Callback, TrainConfig, train
    from mlmcourse.training.batches import BatchMasker, make_eval_batches
    from mlmcourse.training.data import make_blocks
    from mlmcourse.training.device import choose_device
    from mlmcourse.training.evaluation import evaluate
    from mlmcourse.training.flops import mfu, model_shape, peak_flops, training_flops_per_token

    args = _quick(args)
    torch.set_num_threads(args.threads)
    choice = choose_device(args.device, args.precision)
    tokenizer = _course_tokenizer()
    tokens_per_step = args.batch_size * args.seq_len
    n_sentences = args.n_sentences or max(2_000, (args.steps * tokens_per_step) // 8 + 1_000)
    corpus = load_corpus("toyworld", seed=0, n_sentences=n_sentences)
    texts = {"train": list(corpus["train"]["text"]), "validation": list(corpus["validation"]["text"])}
    blocks = make_blocks(tokenizer, texts["train"], args.seq_len, packing=True, progress=False)
    eval_batches = make_eval_batches(make_blocks(tokenizer, texts["validation"], args.seq_len, progress=False),
                                     BatchMasker(tokenizer), args.batch_size, args.eval_sequences, seed=0)
    skip = max(1, min(10, args.steps // 10))

    torch.manual_seed(0)
    encoder = EncoderConfig.preset(args.preset, vocab_size=max(len(tokenizer), args.vocab_size),
                                   pad_token_id=tokenizer.pad_token_id, max_position=max(512, args.seq_len))
    ours_model = MaskedLM(encoder)
    hf_model = ours_model.to_hf().to(choice.device)  # the same initial weights, an independent copy
    peak = peak_flops(choice.device, choice.precision)

    # ---- Hugging Face: Trainer + DataCollatorForLanguageModeling + BertForMaskedLM
    import datasets

    dataset = datasets.Dataset.from_dict({"input_ids": blocks.input_ids.tolist(),
                                          "attention_mask": blocks.attention_mask.tolist(),
                                          "special_tokens_mask": blocks.special_tokens_mask.tolist()})
    hf_clock = StepClock(lambda: evaluate(hf_model, eval_batches, choice.device, choice.autocast),
                         args.eval_every, args.steps, skip, tokens_per_step)

    class HFClock(TrainerCallback):
        def on_train_begin(self, _args, state, control, **kwargs):
            hf_clock.start()

        def on_step_end(self, _args, state, control, **kwargs):
            hf_clock.tick(state.global_step)

    with tempfile.TemporaryDirectory() as scratch:
        training_args = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=args.batch_size, max_steps=args.steps,
            learning_rate=args.lr, warmup_steps=args.warmup_steps, lr_scheduler_type="linear", weight_decay=0.01,
            adam_beta1=0.9, adam_beta2=0.98, adam_epsilon=1e-6, max_grad_norm=1.0, logging_strategy="no",
            save_strategy="no", eval_strategy="no", report_to="none", disable_tqdm=True, seed=0,
            use_cpu=choice.device.type == "cpu", bf16=choice.precision == "bf16", fp16=choice.precision == "fp16",
            torch_compile=args.compile, dataloader_num_workers=0, remove_unused_columns=False)
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
        trainer = Trainer(model=hf_model, args=training_args, train_dataset=dataset, data_collator=collator,
                          callbacks=[HFClock()])
        with contextlib.redirect_stdout(io.StringIO()):  # the Trainer prints its metrics dict
            trainer.train()

    # ---- ours: mlmcourse.training.train with MaskedLM (sparse head)
    ours_model.to(choice.device)
    ours_clock = StepClock(lambda: evaluate(ours_model, eval_batches, choice.device, choice.autocast),
                           args.eval_every, args.steps, skip, tokens_per_step)

    class OursClock(Callback):
        def on_train_begin(self, state):
            ours_clock.start()

        def on_step_end(self, state):
            ours_clock.tick(state.step)

    config = TrainConfig(seq_len=args.seq_len, batch_size=args.batch_size, lr=args.lr,
                         warmup_steps=args.warmup_steps, max_steps=args.steps, eval_every=10 * args.steps,
                         log_every=max(1, args.steps // 10), device=args.device, precision=args.precision,
                         compile=args.compile, progress=False, seed=0)
    with contextlib.redirect_stdout(io.StringIO()):  # keep --json's last line the only output
        ours_result = train(config, [OursClock()], tokenizer=tokenizer, texts=texts, model=ours_model)

    sides = {}
    for name, clock, predicted_fraction in (("ours", ours_clock, 0.15), ("huggingface", hf_clock, 1.0)):
        speed = clock.measured_tokens / clock.measured_seconds
        flops = training_flops_per_token(**model_shape(ours_model), seq_len=args.seq_len,
                                         predicted_fraction=predicted_fraction)
        sides[name] = {"tokens_per_second": round(speed, 1), "flops_per_token": flops,
                       "mfu": None if peak is None else round(mfu(flops, speed, peak), 4),
                       "train_seconds": round(clock.clock, 2), "final_validation_loss": clock.evals[-1]["loss"],
                       "evals": clock.evals}
    target = max(sides["ours"]["final_validation_loss"], sides["huggingface"]["final_validation_loss"])
    reach = {name: next(e["seconds"] for e in side["evals"] if e["loss"] <= target) for name, side in sides.items()}
    return {
        "name": "train",
        "config": {"preset": args.preset, "vocab_size": encoder.vocab_size, "seq_len": args.seq_len,
                   "batch_size": args.batch_size, "steps": args.steps, "warmup_steps": args.warmup_steps,
                   "lr": args.lr, "mask_prob": 0.15, "threads": args.threads, "device": choice.describe(),
                   "precision": args.precision, "compile": args.compile, "skip_steps": skip,
                   "quick": bool(args.quick), "peak_flops": peak,
                   "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "ours": sides["ours"], "huggingface": sides["huggingface"],
        "ratio": round(sides["ours"]["tokens_per_second"] / sides["huggingface"]["tokens_per_second"], 3),
        "time_to_loss": {"target_loss": target, "ours_seconds": reach["ours"], "huggingface_seconds":
                         reach["huggingface"], "fraction": round(reach["ours"] / reach["huggingface"], 3)},
        "ours_steps": ours_result.steps,
    }


def _course_tokenizer():
    from mlmcourse.tokenization import course_tokenizer

    return course_tokenizer()
