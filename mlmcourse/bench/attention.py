"""Benchmark: one attention layer, exact (SDPA) against Nyström, by sequence length; and what the approximation costs.

Three measurements, each side's configuration in the JSON:

- **time** of one forward pass of one self-attention layer (BERT-base shape: hidden 768, 12 heads; batch 1; CPU;
  no gradients) at 512 ... 8,192 tokens: PyTorch's fused exact attention (``sdpa``), our Nyström layer (64 landmarks,
  convolution kernel 65, transformers' defaults) and transformers' ``NystromformerSelfAttention`` with the same
  weights plus the same output projection (equal work). Repeats are interleaved (the order rotates), median and
  spread (min, max) reported. Headline ``ratio``: transformers' Nyström time / ours (geometric mean over lengths).
  The technique's own gain is separate: ``nystrom_speedup_vs_exact`` per length and ``crossover_length``, the first
  length where Nyström's median beats exact attention's.
- **peak memory** of the same forward (and of ``eager`` attention, which builds the (seq x seq) matrix, up to
  ``--eager-max-len``): measured as the rise of resident memory (Linux VmHWM, reset through /proc/self/clear_refs)
  over what was resident just before, in one fresh subprocess per kind (``--quick``: one for all); glibc's mmap
  threshold is fixed so freed tensors go back to the system between lengths. Elsewhere (macOS) the rise of
  ``getrusage``'s peak in a fresh subprocess per measurement. Next to it, the bytes of the big intermediates
  computed from the shapes. (``tracemalloc`` cannot do this: it does not see torch's allocations.)
- **approximation error**: the relative error ||Nyström - exact|| / ||exact|| of the layer output against exact
  attention with the same weights (no convolution, so only the approximation differs), on the two trained attention
  layers of the course checkpoint reading 512 tokens of toy-world text, for 8 ... 512 landmarks.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

from mlmcourse.errors import CourseError

DESCRIPTION = "one attention layer, exact (SDPA) vs Nyström: time and peak memory by length, error by landmarks"
FLOAT_BYTES = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lengths", default="512,1024,2048,4096,8192", help="sequence lengths (comma-separated)")
    parser.add_argument("--hidden-size", type=int, default=768)
    parser.add_argument("--num-heads", type=int, default=12)
    parser.add_argument("--num-landmarks", type=int, default=64)
    parser.add_argument("--conv-kernel-size", type=int, default=65)
    parser.add_argument("--repeats", type=int, default=5, help="timed forwards per side and length (interleaved)")
    parser.add_argument("--eager-max-len", type=int, default=4096,
                        help="longest length for the eager (seq x seq) memory measurement (8,192 needs 6 GB)")
    parser.add_argument("--error-landmarks", default="8,16,32,64,128,256,512", help="landmarks for the error curve")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    parser.add_argument("--quick", action="store_true", help="tiny layer, lengths 128 and 256: checks the JSON")


def layer_config(kind: str, args: argparse.Namespace, max_len: int):
    """An ``EncoderConfig`` whose only layer is the one measured (attention ``kind``: sdpa, eager or nystrom)."""
    from mlmcourse.model import EncoderConfig

    return EncoderConfig(vocab_size=2, hidden_size=args.hidden_size, num_heads=args.num_heads, num_layers=1,
                         intermediate_size=4, max_position=max_len, attention=kind, dropout=0.0, attention_dropout=0.0,
                         num_landmarks=args.num_landmarks, conv_kernel_size=args.conv_kernel_size)


def transformers_layer(ours, seq: int, args: argparse.Namespace):
    """transformers' ``NystromformerSelfAttention`` for inputs of ``seq`` tokens, with our layer's weights."""
    import torch
    from transformers import NystromformerConfig
    from transformers.models.nystromformer.modeling_nystromformer import NystromformerSelfAttention

    config = NystromformerConfig(hidden_size=args.hidden_size, num_attention_heads=args.num_heads,
                                 segment_means_seq_len=seq, num_landmarks=args.num_landmarks,
                                 conv_kernel_size=args.conv_kernel_size, max_position_embeddings=seq)
    theirs = NystromformerSelfAttention(config).eval()
    weights, biases = ours.qkv.weight.chunk(3), ours.qkv.bias.chunk(3)  # query, key, value stacked
    with torch.no_grad():
        for index, linear in enumerate((theirs.query, theirs.key, theirs.value)):
            linear.weight.copy_(weights[index])
            linear.bias.copy_(biases[index])
        theirs.conv.weight.copy_(ours.value_convolution.weight)
    return lambda hidden: ours.output(theirs(hidden)[0])  # the same output projection: equal work


def time_layers(args: argparse.Namespace, lengths: list[int]) -> tuple[dict[str, dict[int, list[float]]], float]:
    """Milliseconds per forward, interleaved: ({side: {length: [ms, ...]}}, the largest difference between our
    Nyström output and transformers' at the shortest length)."""
    import torch

    from mlmcourse.model.attention import SelfAttention

    torch.manual_seed(0)
    exact = SelfAttention(layer_config("sdpa", args, max(lengths))).eval()
    nystrom = SelfAttention(layer_config("nystrom", args, max(lengths))).eval()
    nystrom.load_state_dict(exact.state_dict(), strict=False)  # same projections; the convolution is its own
    times: dict[str, dict[int, list[float]]] = {"exact_sdpa": {}, "ours_nystrom": {}, "huggingface_nystrom": {}}
    difference = math.nan
    with torch.inference_mode():
        for seq in lengths:
            hidden = torch.randn(1, seq, args.hidden_size)  # (batch 1, seq, hidden)
            theirs = transformers_layer(nystrom, seq, args)
            calls = {"exact_sdpa": lambda hidden=hidden: exact(hidden)[0],
                     "ours_nystrom": lambda hidden=hidden: nystrom(hidden)[0],
                     "huggingface_nystrom": lambda hidden=hidden, theirs=theirs: theirs(hidden)}
            outputs = {name: call() for name, call in calls.items()}  # warm up
            if seq == lengths[0]:  # equal work, and the same result
                difference = float((outputs["ours_nystrom"] - outputs["huggingface_nystrom"]).abs().max())
            order = list(calls)
            for repeat in range(args.repeats):
                for name in order[repeat % 3:] + order[:repeat % 3]:  # rotate, so no side always runs first
                    start = time.perf_counter()
                    calls[name]()
                    times[name].setdefault(seq, []).append(1000 * (time.perf_counter() - start))
    return times, difference


def significant(value: float, digits: int = 4) -> float:
    """``value`` rounded to ``digits`` significant digits (small ratios keep their precision).

    >>> significant(0.0032597), significant(1234.5678)
    (0.00326, 1235.0)
    """
    return float(f"{value:.{digits}g}")


def summary(samples: list[float]) -> dict[str, float]:
    """Median and spread (min, max) of repeated measurements.

    >>> summary([3.0, 1.0, 2.0])
    {'median_ms': 2.0, 'min_ms': 1.0, 'max_ms': 3.0}
    """
    return {"median_ms": significant(statistics.median(samples)), "min_ms": significant(min(samples)),
            "max_ms": significant(max(samples))}


def crossover(exact: dict[int, dict], nystrom: dict[int, dict]) -> tuple[int | None, bool | None]:
    """The first length where Nyström's median time is below exact attention's, and whether the spreads separate.

    >>> crossover({512: {"median_ms": 1, "min_ms": 1}, 1024: {"median_ms": 5, "min_ms": 4}},
    ...           {512: {"median_ms": 2, "max_ms": 2}, 1024: {"median_ms": 3, "max_ms": 3.5}})
    (1024, True)
    """
    for seq in sorted(exact):
        if nystrom[seq]["median_ms"] < exact[seq]["median_ms"]:
            return seq, nystrom[seq]["max_ms"] < exact[seq]["min_ms"]
    return None, None


def analytic_bytes(kind: str, seq: int, args: argparse.Namespace) -> int:
    """Bytes of the tensors a forward creates that grow with ``seq`` (fp32), from the shapes alone.

    All kinds: q/k/v (3 n h), context and output (2 n h). Eager adds the scores and weights (2 H n^2); Nyström adds
    kernel_1, kernel_3 and kernel_1 . pinv (3 H n m), the m x m matrices (a few H m^2) and the convolution's
    output (n h); SDPA's CPU kernel works block by block and keeps no (n x n) matrix.

    >>> args = argparse.Namespace(hidden_size=768, num_heads=12, num_landmarks=64)
    >>> round(analytic_bytes("eager", 8192, args) / 1e9, 2), round(analytic_bytes("sdpa", 8192, args) / 1e9, 2)
    (6.57, 0.13)
    """
    n, h, heads, m = seq, args.hidden_size, args.num_heads, args.num_landmarks
    common = 5 * n * h
    extra = {"sdpa": 0, "eager": 2 * heads * n * n, "nystrom": 3 * heads * n * m + 4 * heads * m * m + n * h}[kind]
    return FLOAT_BYTES * (common + extra)


LINUX_METHOD = ("peak resident memory (Linux VmHWM, reset via /proc/self/clear_refs) minus resident memory just "
                "before one forward, weights and input already allocated; lengths in increasing order, "
                "MALLOC_MMAP_THRESHOLD_=65536 so freed tensors leave")
FALLBACK_METHOD = ("rise of the peak resident memory (resource.getrusage ru_maxrss) during one forward, in a fresh "
                   "subprocess per kind and length (no /proc/self/clear_refs on this system)")


def memory_method() -> str | None:
    """How this system can measure peak memory: Linux's resettable peak, getrusage, or not at all (None)."""
    if os.path.exists("/proc/self/clear_refs") and os.path.exists("/proc/self/status"):
        return LINUX_METHOD
    try:
        import resource  # noqa: F401  (not on Windows)
    except ImportError:
        return None
    return FALLBACK_METHOD


def measure_memory(kinds: dict[str, list[int]], args: argparse.Namespace) -> dict[str, dict[int, int]]:
    """Peak resident-memory rise of one forward per kind and length, measured in one fresh subprocess:
    {kind: {length: bytes}}."""
    if memory_method() == FALLBACK_METHOD and sum(len(seqs) for seqs in kinds.values()) > 1:
        # the peak cannot be reset: one process per measurement, so no earlier peak hides this one
        return {kind: {seq: measure_memory({kind: [seq]}, args)[kind][seq] for seq in seqs}
                for kind, seqs in kinds.items() if seqs}
    plan = ";".join(f"{kind}:{','.join(map(str, seqs))}" for kind, seqs in kinds.items() if seqs)
    command = [sys.executable, "-m", "mlmcourse.bench.attention", "--probe-memory", plan, str(args.hidden_size),
               str(args.num_heads), str(args.num_landmarks), str(args.conv_kernel_size), str(args.threads)]
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}  # large tensors are mmapped and returned when freed
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if finished.returncode != 0:
        raise RuntimeError(f"the memory probe ({plan}) failed: {finished.stderr[-2000:]}")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    return {kind: {int(seq): peak for seq, peak in peaks.items()} for kind, peaks in result.items()}


def _resident_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {field} in /proc/self/status")


def _probe_memory(plan: str, hidden: str, heads: str, landmarks: str, kernel: str, threads: str) -> None:
    """(In the subprocess) print {kind: {length: peak resident rise in bytes}} for "kind:len,len;kind:len"."""
    import torch

    from mlmcourse.model.attention import SelfAttention

    if int(threads):
        torch.set_num_threads(int(threads))
    args = argparse.Namespace(hidden_size=int(hidden), num_heads=int(heads), num_landmarks=int(landmarks),
                              conv_kernel_size=int(kernel))
    peaks: dict[str, dict[int, int]] = {}
    for part in plan.split(";"):
        kind, lengths = part.split(":")
        seqs = [int(seq) for seq in lengths.split(",")]
        layer = SelfAttention(layer_config(kind, args, max(seqs))).eval()
        peaks[kind] = {}
        with torch.inference_mode():
            layer(torch.randn(1, 2 * args.num_landmarks, args.hidden_size))  # one-time set-up (threads, kernels)
            for seq in seqs:
                hidden = torch.randn(1, seq, args.hidden_size)  # (1, seq, hidden): allocated before the measurement
                if memory_method() == LINUX_METHOD:
                    with open("/proc/self/clear_refs", "w") as clear:
                        clear.write("5")  # reset the peak (VmHWM) to the current resident size
                    before = _resident_bytes("VmRSS")
                    output = layer(hidden)[0]
                    peaks[kind][seq] = max(0, _resident_bytes("VmHWM") - before)
                else:
                    import resource

                    unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
                    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
                    output = layer(hidden)[0]
                    peaks[kind][seq] = max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit - before)
                del output, hidden
    print(json.dumps(peaks))


def approximation_errors(landmarks: list[int], seq: int) -> dict:
    """Relative error of Nyström attention layers' outputs against exact ones, on the course checkpoint's layers."""
    import torch

    from mlmcourse.corpora.toyworld import ToyWorld
    from mlmcourse.inference import load_model
    from mlmcourse.model.attention import SelfAttention

    model, tokenizer = load_model()
    text = " ".join(ToyWorld().generate(max(50, seq // 4), seed=1, progress=False))
    input_ids = torch.tensor([tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"][:seq]])
    per_layer = []
    with torch.inference_mode():
        hidden = model.embeddings(input_ids)  # (1, seq, hidden)
        for layer in model.layers:
            exact = layer.attention(hidden)[0]  # (1, seq, hidden)
            errors = {}
            for m in landmarks:
                approximate = SelfAttention(model.config.replace(attention="nystrom", num_landmarks=m,
                                                                 conv_kernel_size=None)).eval()
                approximate.load_state_dict(layer.attention.state_dict())
                errors[m] = round(float((approximate(hidden)[0] - exact).norm() / exact.norm()), 4)
            per_layer.append(errors)
            hidden = layer(hidden)[0]
    return {"model": "course checkpoint (data/models/course-tiny: 2 layers, hidden 128, 2 heads)",
            "text": f"{seq} tokens of toy-world lines", "seq_len": seq,
            "note": "no value convolution, so only the approximation differs; with landmarks >= seq_len the layer "
                    "computes exact attention (error 0)",
            "relative_error_by_landmarks": {m: round(statistics.mean(e[m] for e in per_layer), 4) for m in landmarks},
            "per_layer": per_layer}


def run(args: argparse.Namespace) -> dict:
    import torch

    if args.quick:
        args.lengths, args.hidden_size, args.num_heads, args.num_landmarks = "128,256", 64, 4, 16
        args.conv_kernel_size, args.repeats, args.eager_max_len, args.error_landmarks = 9, 2, 256, "8,32,128"
    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        lengths = sorted(int(seq) for seq in args.lengths.split(","))
        bad = [seq for seq in lengths if seq % args.num_landmarks]
        if bad:
            raise CourseError(f"lengths {bad} are not multiples of --num-landmarks {args.num_landmarks}")
        samples, difference = time_layers(args, lengths)
        times = {side: {seq: summary(values) for seq, values in by_length.items()} for side, by_length in samples.items()}
        memory_kinds = {"sdpa": lengths, "nystrom": lengths,
                        "eager": [seq for seq in lengths if seq <= args.eager_max_len]}
        method = memory_method()
        if method is None:  # e.g. Windows: shapes only
            measured = {kind: dict.fromkeys(seqs) for kind, seqs in memory_kinds.items() if seqs}
        elif args.quick:  # one subprocess for all kinds: seconds
            measured = measure_memory(memory_kinds, args)
        else:  # one fresh subprocess per kind, so no kind inherits another's memory
            measured = {kind: measure_memory({kind: seqs}, args)[kind] for kind, seqs in memory_kinds.items() if seqs}
        memory = {kind: {seq: {"measured_mb": None if peak is None else significant(peak / 2**20, 3),
                               "analytic_mb": significant(analytic_bytes(kind, seq, args) / 2**20, 3)}
                         for seq, peak in by_length.items()} for kind, by_length in measured.items()}
        errors = approximation_errors(sorted(int(m) for m in args.error_landmarks.split(",")),
                                      seq=128 if args.quick else 512)
        threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads_before)
    ours, theirs, exact = times["ours_nystrom"], times["huggingface_nystrom"], times["exact_sdpa"]
    ratios = [theirs[seq]["median_ms"] / ours[seq]["median_ms"] for seq in lengths]
    length, clear = crossover(exact, ours)
    layer = {"hidden_size": args.hidden_size, "num_heads": args.num_heads, "batch_size": 1, "precision": "fp32",
             "device": "cpu", "torch_threads": threads, "gradients": False}
    return {
        "name": "attention",
        "config": {
            "lengths": lengths, "repeats": args.repeats, "order": "interleaved, rotating",
            "exact": {**layer, "attention": "F.scaled_dot_product_attention (our SelfAttention, attention='sdpa')"},
            "ours": {**layer, "attention": "mlmcourse.model.nystrom via SelfAttention(attention='nystrom')",
                     "num_landmarks": args.num_landmarks, "conv_kernel_size": args.conv_kernel_size,
                     "pinv_iterations": 6},
            "huggingface": {**layer, "attention": "transformers NystromformerSelfAttention + the same output "
                            "projection", "num_landmarks": args.num_landmarks,
                            "conv_kernel_size": args.conv_kernel_size},
            "headline": "ratio = geometric mean over lengths of transformers' Nyström ms / ours (same maths, same "
                        "weights); the technique's own gain is nystrom_speedup_vs_exact and crossover_length",
            "memory_method": (f"measured_mb: {method}; " if method else "measured_mb: not measurable here "
                              "(no /proc or resource module); ")
                             + ("one subprocess for all kinds; " if args.quick and method == LINUX_METHOD else
                                "fresh subprocesses; ")
                             + "analytic_mb: fp32 bytes of the tensors that grow with the length",
        },
        "ours": ours,
        "huggingface": theirs,
        "exact": exact,
        "ratio": significant(math.exp(statistics.mean(math.log(r) for r in ratios))),
        "ratio_by_length": {seq: significant(r) for seq, r in zip(lengths, ratios, strict=True)},
        "ours_vs_huggingface_max_abs_difference": difference,
        "nystrom_speedup_vs_exact": {seq: significant(exact[seq]["median_ms"] / ours[seq]["median_ms"])
                                     for seq in lengths},
        "crossover_length": length,
        "crossover_beyond_spread": clear,
        "memory": memory,
        "approximation_error": errors,
    }


if __name__ == "__main__" and len(sys.argv) == 8 and sys.argv[1] == "--probe-memory":
    _probe_memory(*sys.argv[2:])
