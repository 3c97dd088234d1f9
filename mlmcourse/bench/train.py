"""Training speed: our loop against the Hugging Face ``Trainer``, at equal work, interleaved and repeated.

Equal work (the headline ``ratio``): the same model shape and initial weights, the same packed toy-world rows, the
same mask rate (0.15), batch, optimizer settings, precision and threads, and the **same dense MLM head** on both
sides (the vocabulary projection at every position):

- ``huggingface``: ``Trainer`` + ``DataCollatorForLanguageModeling`` (``special_tokens_mask`` precomputed, as
  ``run_mlm.py`` does) + ``BertForMaskedLM``;
- ``ours``: ``mlmcourse.training.train`` + ``MaskedLM(sparse_head=False)`` + the course's vectorised masking.

Reported beside it, each with its own label:

- ``sparse_head``: our loop with the head run only at the masked ~15% (``ours_sparse``), against ``ours``: the
  technique's own gain (fewer FLOPs per token: ``flops_per_token`` says how many fewer);
- ``end_to_end``: our defaults against the Trainer's defaults on this machine (see ``config``): what a user gets
  without tuning, not a like-for-like comparison.

Each side is timed by a callback: wall time between consecutive optimizer steps (data, masking, forward, backward,
optimizer), after ``skip`` warm-up steps; tokens are the non-padding tokens of those steps. Sides run in turn,
``--repeats`` rounds, rotating the order; figures are medians with their range. MFU divides by the machine's
measured matmul peak for the precision in use (``mlmcourse.training.hardware.cpu_peak_flops``; on GPUs the data
sheet's figure); its measurement is in the JSON.

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

DESCRIPTION = "training tokens/s: our loop vs Trainer + DataCollatorForLanguageModeling at equal work (dense head)"


# option -> (full size, --quick size): an option given on the command line wins over both.
SIZES = {"steps": (120, 6), "repeats": (3, 1), "batch_size": (32, 8), "seq_len": (64, 32), "warmup_steps": (30, 2),
         "threads": (2, 1)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a few steps of a tiny run (for the tests): " + ", ".join(
        f"{name.replace('_', '-')} {quick}" for name, (_, quick) in SIZES.items()))
    parser.add_argument("--steps", type=int, help="optimizer steps per side and round (default 120)")
    parser.add_argument("--repeats", type=int, help="interleaved rounds, median and range reported (default 3)")
    parser.add_argument("--batch-size", type=int, help="sequences per batch (default 32)")
    parser.add_argument("--seq-len", type=int, help="tokens per row (default 64)")
    parser.add_argument("--preset", default="tiny", help="model shape: tiny | mini | small | base")
    parser.add_argument("--vocab-size", type=int, default=0, help="model vocabulary (default: the tokenizer's)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup-steps", type=int, help="default 30")
    parser.add_argument("--threads", type=int, help="torch CPU threads for every side (default 2)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "mps"))
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"),
                        help="the precision of the equal-work comparison (both sides)")
    parser.add_argument("--compile", action="store_true", help="torch.compile both models, and report what "
                        "compiling gains our loop (compile.gain_over_eager)")
    parser.add_argument("--no-end-to-end", action="store_true", help="skip the defaults-vs-defaults figure")


def _sizes(args: argparse.Namespace) -> argparse.Namespace:
    for name, (full, quick) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args


class StepClock:
    """One side's timing: ``start()`` when training begins, ``tick(tokens)`` after each optimizer step."""

    def __init__(self, skip: int) -> None:
        self.skip, self.steps, self.tokens, self.seconds = skip, 0, 0, 0.0
        self.last = time.perf_counter()

    def start(self) -> None:
        self.last = time.perf_counter()  # model building and data preparation are not training time

    def tick(self, tokens: int) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()  # GPU work is asynchronous: count a step when it is done, not queued
        now = time.perf_counter()
        self.steps += 1
        if self.steps > self.skip:  # the first steps pay for warm-up (allocations, compilation)
            self.tokens += tokens
            self.seconds += now - self.last
        self.last = now

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


def run(args: argparse.Namespace) -> dict:
    args = _sizes(args)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _run(args)
    finally:
        torch.set_num_threads(threads_before)


def _run(args: argparse.Namespace) -> dict:
    from mlmcourse.bench.timing import interleaved
    from mlmcourse.corpora import load_corpus
    from mlmcourse.model import EncoderConfig, MaskedLM
    from mlmcourse.tokenization import course_tokenizer
    from mlmcourse.training.data import make_blocks
    from mlmcourse.training.device import choose_device
    from mlmcourse.training.flops import model_shape, peak_flops, training_flops_per_token

    choice = choose_device(args.device, args.precision)
    tokenizer = course_tokenizer()
    n_sentences = max(2_000, args.steps * args.batch_size * args.seq_len // 8 + 1_000)
    corpus = load_corpus("toyworld", seed=0, n_sentences=n_sentences)
    texts = {"train": list(corpus["train"]["text"]), "validation": list(corpus["validation"]["text"])}
    blocks = make_blocks(tokenizer, texts["train"], args.seq_len, packing="stream", progress=False)
    skip = max(1, min(10, args.steps // 10))

    torch.manual_seed(0)
    encoder = EncoderConfig.preset(args.preset, vocab_size=max(len(tokenizer), args.vocab_size),
                                   pad_token_id=tokenizer.pad_token_id, max_position=max(512, args.seq_len),
                                   dropout=0.1, attention_dropout=0.1)
    initial = MaskedLM(encoder).state_dict()  # every side and round starts from these weights
    shape = {**model_shape(MaskedLM(encoder)), "seq_len": args.seq_len}
    common = {"batch_size": args.batch_size, "seq_len": args.seq_len, "mask_prob": 0.15, "lr": args.lr,
              "warmup_steps": args.warmup_steps, "threads": args.threads, "precision": args.precision,
              "compile": args.compile, "dropout": 0.1, "model": f"{args.preset} ({shape['num_layers']} layers x "
              f"{shape['hidden_size']}, vocabulary {shape['vocab_size']})", "initial_weights": "the same (seed 0)"}

    def fresh_ours(sparse: bool) -> MaskedLM:
        model = MaskedLM(encoder.replace(sparse_head=sparse))
        model.load_state_dict(initial)
        return model

    def run_huggingface(precision: str, mask_prob: float, record: dict) -> float:
        import datasets
        from transformers import DataCollatorForLanguageModeling, Trainer, TrainerCallback, TrainingArguments

        model = fresh_ours(sparse=False).to_hf().to(choice.device)
        dataset = datasets.Dataset.from_dict({"input_ids": blocks.input_ids.tolist(),
                                              "attention_mask": blocks.attention_mask.tolist(),
                                              "special_tokens_mask": blocks.special_tokens_mask.tolist()})
        clock = StepClock(skip)
        tokens_per_step = args.batch_size * args.seq_len  # packed rows: no padding

        class Clock(TrainerCallback):
            def on_train_begin(self, _args, state, control, **kwargs):
                clock.start()

            def on_step_end(self, _args, state, control, **kwargs):
                clock.tick(tokens_per_step)

        with tempfile.TemporaryDirectory() as scratch:
            training_args = TrainingArguments(
                output_dir=scratch, per_device_train_batch_size=args.batch_size, max_steps=args.steps,
                learning_rate=args.lr, warmup_steps=args.warmup_steps, lr_scheduler_type="linear",
                weight_decay=0.01, adam_beta1=0.9, adam_beta2=0.98, adam_epsilon=1e-6, max_grad_norm=1.0,
                logging_strategy="no", save_strategy="no", eval_strategy="no", report_to="none", disable_tqdm=True,
                seed=0, use_cpu=choice.device.type == "cpu", bf16=precision == "bf16", fp16=precision == "fp16",
                torch_compile=args.compile, dataloader_num_workers=0, remove_unused_columns=False)
            collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mask_prob)
            trainer = Trainer(model=model, args=training_args, train_dataset=dataset, data_collator=collator,
                              callbacks=[Clock()])
            with contextlib.redirect_stdout(io.StringIO()):  # the Trainer prints its metrics dict
                trainer.train()
        record.setdefault("optimizer", type(trainer.optimizer).__name__)
        return clock.tokens_per_second

    def run_ours(sparse: bool, precision: str, overrides: dict | None = None) -> float:
        from mlmcourse.training import Callback, TrainConfig, train

        clock = StepClock(skip)

        class Clock(Callback):
            def on_train_begin(self, state):
                clock.start()

            def on_step_end(self, state):
                clock.tick(state.tokens_seen - getattr(self, "seen", 0))
                self.seen = state.tokens_seen

        values = dict(seq_len=args.seq_len, batch_size=args.batch_size, lr=args.lr, warmup_steps=args.warmup_steps,
                      max_steps=args.steps, eval_every=10 * args.steps, log_every=max(1, args.steps // 10),
                      device=args.device, precision=precision, compile=args.compile, progress=False, seed=0,
                      packing="stream", mask_prob=0.15, dropout=0.1, sparse_head=sparse, num_threads=args.threads)
        values.update(overrides or {})
        config = TrainConfig(**values)
        model = fresh_ours(sparse).to(choice.device)
        with contextlib.redirect_stdout(io.StringIO()):  # keep --json's last line the only output
            train(config, [Clock()], tokenizer=tokenizer, texts=texts, model=model)
        return clock.tokens_per_second

    hf_record: dict = {}
    sides = {
        "huggingface": lambda: run_huggingface(args.precision, 0.15, hf_record),
        "ours": lambda: run_ours(sparse=False, precision=args.precision),
        "ours_sparse": lambda: run_ours(sparse=True, precision=args.precision),
    }
    if args.compile:  # what compiling buys our loop: the same dense-head run without torch.compile, interleaved
        sides["ours_eager"] = lambda: run_ours(sparse=False, precision=args.precision, overrides={"compile": False})
    measured = interleaved(sides, args.repeats)

    peak = None if args.quick else peak_flops(choice.device, args.precision, shape["hidden_size"],
                                              args.batch_size * args.seq_len, measure=True)
    from mlmcourse.training.hardware import cpu_peak_flops

    peak_how = (cpu_peak_flops(args.precision, shape["hidden_size"], args.batch_size * args.seq_len, measure=False)
                if choice.device.type == "cpu" and peak else None)
    dense_flops = training_flops_per_token(**{k: shape[k] for k in ("num_layers", "hidden_size", "intermediate_size",
                                                                    "vocab_size", "seq_len")})
    sparse_flops = training_flops_per_token(**{k: shape[k] for k in ("num_layers", "hidden_size",
                                                                     "intermediate_size", "vocab_size", "seq_len")},
                                            predicted_fraction=0.15)

    def figures(name: str, flops: float) -> dict:
        speed = measured[name]
        return {"tokens_per_second": speed, "flops_per_token": flops,
                "mfu": None if not peak else round(flops * speed["median"] / peak, 4)}

    result = {
        "name": "train",
        "config": {**common, "steps_per_round": args.steps, "repeats": args.repeats, "skip_steps": skip,
                   "device": choice.describe(), "quick": bool(args.quick),
                   "peak_flops": peak, "peak_measurement": (peak_how or {}).get("how"),
                   "sides": {"huggingface": "Trainer + DataCollatorForLanguageModeling(mlm_probability=0.15, "
                                            "special_tokens_mask precomputed) + BertForMaskedLM (dense head)",
                             "ours": "mlmcourse.training.train + MaskedLM(sparse_head=False) (dense head)",
                             "ours_sparse": "mlmcourse.training.train + MaskedLM(sparse_head=True): the head at "
                                            "the masked positions only"},
                   "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "huggingface": figures("huggingface", dense_flops),
        "ours": figures("ours", dense_flops),
        "ratio": round(measured["ours"]["median"] / measured["huggingface"]["median"], 3),
        "sparse_head": {**figures("ours_sparse", sparse_flops),
                        "gain_over_dense": round(measured["ours_sparse"]["median"] / measured["ours"]["median"], 3),
                        "flops_ratio": round(dense_flops / sparse_flops, 3)},
    }
    if args.compile:
        result["compile"] = {
            "what": "torch.compile of our dense-head run vs the same run eager (interleaved, same weights); the first "
                    "steps, where compiling happens, are not timed",
            "ours_eager": figures("ours_eager", dense_flops),
            "gain_over_eager": round(measured["ours"]["median"] / measured["ours_eager"]["median"], 3),
        }
    if not args.no_end_to_end:
        from mlmcourse.training.defaults import course_recipe

        recipe = course_recipe("toyworld")
        default_choice = choose_device("auto", "auto", hidden_size=shape["hidden_size"])
        ours_default = {key: recipe[key] for key in ("packing", "seq_len", "mask_prob", "batch_size", "dropout")}
        trainer_default_precision = "fp32" if choice.device.type == "cpu" else args.precision
        e2e = interleaved({
            "huggingface_default": lambda: run_huggingface(trainer_default_precision, 0.15, {}),
            "ours_default": lambda: run_ours(sparse=True, precision="auto", overrides=ours_default),
        }, args.repeats)
        result["end_to_end"] = {
            "what": "our defaults vs the Trainer's defaults on this machine: NOT equal work (different head, "
                    "packing, mask rate and maybe precision); tokens are real (non-padding) tokens",
            "ours_default": {"tokens_per_second": e2e["ours_default"],
                             "config": {**ours_default, "sparse_head": True, "precision": default_choice.precision,
                                        "precision_reason": default_choice.reason}},
            "huggingface_default": {"tokens_per_second": e2e["huggingface_default"],
                                    "config": {"packing": "stream", "seq_len": args.seq_len, "mask_prob": 0.15,
                                               "batch_size": args.batch_size, "precision": trainer_default_precision,
                                               "dropout": 0.1, "head": "dense"}},
            "ratio": round(e2e["ours_default"]["median"] / e2e["huggingface_default"]["median"], 3),
        }
    result["config"]["huggingface_optimizer"] = hf_record.get("optimizer")
    return result
