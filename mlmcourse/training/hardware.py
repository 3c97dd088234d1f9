"""What this CPU can do: native bf16, a measured bf16 speed-up, and a robust matmul peak for MFU.

What it teaches: "use the hardware" starts with measuring it. Some CPUs multiply bfloat16 natively (Intel AMX and
AVX-512 BF16, AMD Zen 4 and newer with AVX-512 BF16; Apple's M-series through its own units); on those, matmuls
under ``torch.autocast("cpu", dtype=torch.bfloat16)`` can run several times faster than in fp32. A tiny model is
dominated by overheads rather than matmuls, so the course does not assume: it times a feed-forward block of the
model's width forward and backward, fp32 against bf16 autocast, interleaved, and picks bf16 only where it pays.

MFU (model-FLOP utilisation) divides the model's arithmetic by a peak. A single short matmul measured once is a
noisy peak (a busy neighbour, a cold cache), and MFU came out above 100% with one. Here the peak is the best of the
medians of several >= 1 s runs of matmuls at the model's own shapes and one large square, per precision and thread
count, cached per machine so every run divides by the same number.

What it simplifies: CPU capabilities come from ``/proc/cpuinfo`` flags (Linux) or PyTorch's own check
(``torch.ops.mkldnn._is_mkldnn_bf16_supported``); no vendor tables.

Production twin: ``accelerate``'s ``mixed_precision="bf16"`` on CPU, and the peak-FLOPs tables of MFU estimators
(nanoGPT's ``estimate_mfu`` hard-codes A100's 312 TFLOP/s).
"""

from __future__ import annotations

import functools
import json
import platform
import statistics
import time
from pathlib import Path

import torch

BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), or what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def cpu_bf16_flags() -> list[str]:
    """Which of the native-bf16 instruction sets this CPU reports (``amx_bf16``, ``avx512_bf16``)."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        flags = set()
    found = [flag for flag in BF16_FLAGS if flag in flags]
    if not found and platform.system() == "Darwin" and platform.machine() == "arm64":
        found = ["apple_silicon"]
    return found


def _time_block(block: torch.nn.Module, inputs: torch.Tensor, dtype: torch.dtype | None, seconds: float) -> float:
    """Seconds per forward + backward of ``block`` (median of the repeats within ``seconds``)."""
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 3:
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            block(inputs).float().square().mean().backward()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@functools.lru_cache(maxsize=8)
def cpu_bf16_speedup(hidden_size: int = 128, tokens: int = 2048, threads: int | None = None) -> float:
    """How many times faster bf16 autocast runs a feed-forward block of this width than fp32, on this CPU.

    Times ``Linear(h, 4h) -> GELU -> Linear(4h, h)`` forward and backward on ``tokens`` rows, fp32 and bf16
    interleaved three times (about a second in all); returns the median ratio (> 1: bf16 is faster).
    """
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        generator = torch.Generator().manual_seed(0)
        block = torch.nn.Sequential(torch.nn.Linear(hidden_size, 4 * hidden_size), torch.nn.GELU(),
                                    torch.nn.Linear(4 * hidden_size, hidden_size))
        inputs = torch.randn(tokens, hidden_size, generator=generator)
        for dtype in (None, torch.bfloat16):  # warm up both paths (kernel selection, allocations)
            _time_block(block, inputs, dtype, 0.0)
        ratios = []
        for _ in range(3):
            fp32 = _time_block(block, inputs, None, 0.15)
            bf16 = _time_block(block, inputs, torch.bfloat16, 0.15)
            ratios.append(fp32 / bf16)
        return statistics.median(ratios)
    finally:
        torch.set_num_threads(previous)


def cpu_precision(hidden_size: int = 128, min_speedup: float = 1.15) -> tuple[str, str]:
    """("bf16" or "fp32", why) for training on this CPU: bf16 only with native support and a measured gain."""
    flags = cpu_bf16_flags()
    if not flags:
        return "fp32", "this CPU has no native bf16 (no AMX / AVX-512 BF16), so fp32"
    speedup = cpu_bf16_speedup(hidden_size, threads=torch.get_num_threads())
    native = "/".join(flags)
    if speedup >= min_speedup:
        return "bf16", f"this CPU has native bf16 ({native}) and a {hidden_size}-wide block ran {speedup:.1f}x faster in bf16 autocast"
    return "fp32", (f"this CPU has native bf16 ({native}) but a {hidden_size}-wide block ran only {speedup:.2f}x "
                    f"faster in bf16 (< {min_speedup}x), so fp32")


def _peak_cache() -> Path:
    from mlmcourse.config import cache_dir

    return cache_dir() / "peak_flops.json"


def _median_matmul_flops(m: int, k: int, n: int, dtype: torch.dtype, repeats: int, seconds: float) -> float:
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=generator).to(dtype)
    b = torch.randn(k, n, generator=generator).to(dtype)
    a @ b  # warm up
    rates = []
    for _ in range(repeats):
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            a @ b
            count += 1
        rates.append(2.0 * m * k * n * count / elapsed)
    return statistics.median(rates)


def cpu_peak_flops(precision: str = "fp32", hidden_size: int = 128, tokens: int = 2048, threads: int | None = None,
                   measure: bool = True, repeats: int = 3, seconds: float = 1.0) -> dict | None:
    """The matmul peak MFU divides by, for this CPU, precision and thread count; cached per machine.

    The best of the medians of ``repeats`` runs of ``seconds`` each, over the model's feed-forward shapes
    (tokens x h x 4h, tokens x 4h x h) and a 1024^3 square. Returns ``{"flops", "how", "shapes"}``, or None when
    it is not cached and ``measure`` is False (a training run does not spend seconds measuring unless asked).
    """
    threads = threads or torch.get_num_threads()
    key = f"{cpu_name()}|torch {torch.__version__}|{threads} threads|{precision}|h{hidden_size}|t{tokens}"
    cache = _peak_cache()
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known or not measure:
        return known.get(key)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    shapes = [(tokens, hidden_size, 4 * hidden_size), (tokens, 4 * hidden_size, hidden_size), (1024, 1024, 1024)]
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        rates = {f"{m}x{k}x{n}": _median_matmul_flops(m, k, n, dtype, repeats, seconds) for m, k, n in shapes}
    finally:
        torch.set_num_threads(previous)
    result = {"flops": max(rates.values()), "shapes": {name: round(rate) for name, rate in rates.items()},
              "how": f"best of the medians of {repeats} runs of {seconds:g} s of {precision} matmuls per shape, "
                     f"{threads} threads, measured {time.strftime('%Y-%m-%d')}"}
    known[key] = result
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(".tmp")
        temporary.write_text(json.dumps(known, indent=1))
        temporary.replace(cache)
    except OSError:  # a read-only home: measure again next time
        pass
    return result
