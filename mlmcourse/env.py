"""Environment check: the first code cell of every notebook, and ``mlmcourse check-env``.

It answers the questions a learner has before running anything: which Python and library versions,
which device training will use (CUDA, Apple MPS or CPU, with its name, memory and thread count),
whether smoke mode is on, whether the Hugging Face Hub can be reached, and where data and caches live.
Versions too old to run the course are reported as warnings that say what to upgrade.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import sys
from dataclasses import dataclass, field

from mlmcourse import config

# The oldest versions the course is tested to work with (transformers 5 changed many APIs).
MIN_VERSIONS: dict[str, str] = {
    "python": "3.11",
    "torch": "2.4",
    "transformers": "5.0",
    "datasets": "3.0",
    "tokenizers": "0.21",
    "accelerate": "1.0",
    "ipywidgets": "8.0",
    "matplotlib": "3.8",
    "safetensors": "0.4",
}


def parse_version(text: str) -> tuple[int, ...]:
    """The leading numeric parts of a version string.

    >>> parse_version("2.13.0+cpu"), parse_version("5.0.0rc1"), parse_version("3.11")
    ((2, 13, 0), (5, 0, 0), (3, 11))
    """
    parts: list[int] = []
    for piece in text.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def version_ok(found: str, minimum: str) -> bool:
    """True when version ``found`` is at least ``minimum``.

    >>> version_ok("2.13.0+cpu", "2.4"), version_ok("4.57.1", "5.0")
    (True, False)
    """
    return parse_version(found) >= parse_version(minimum)


@dataclass
class EnvReport:
    """What ``check_env`` found; ``str(report)`` is the printed summary."""

    versions: dict[str, str | None]
    device: str
    device_detail: str
    threads: int
    memory_gb: float | None
    smoke: bool
    hub: str
    data_dir: str
    cache_dir: str
    hf_cache: str
    warnings: list[str] = field(default_factory=list)
    cores: int | None = None  # CPU cores this process may use (affinity and cgroup quota); None on a GPU

    def __str__(self) -> str:
        lines = ["mlmcourse environment check", ""]
        for name, found in self.versions.items():
            need = MIN_VERSIONS.get(name)
            status = "MISSING" if found is None else ("ok" if need is None or version_ok(found, need) else "TOO OLD")
            lines.append(f"  {name:<13} {found or '-':<16} (need >= {need}) {status}" if need else f"  {name:<13} {found}")
        memory = f", {self.memory_gb:.1f} GB memory" if self.memory_gb else ""
        threads = f"{self.threads} torch thread{'s' if self.threads != 1 else ''}"
        lines += [
            "",
            f"  device        {self.device}: {self.device_detail}{memory}, {threads}",
            f"  smoke mode    {'ON (tiny sizes, MLMCOURSE_SMOKE=1)' if self.smoke else 'off (full-size lessons)'}",
            f"  hub           {self.hub}",
            f"  data folder   {self.data_dir}",
            f"  cache folder  {self.cache_dir}",
            f"  HF cache      {self.hf_cache}",
        ]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  ! {w}" for w in self.warnings]
        else:
            lines += ["", "All good: the course can run here."]
        return "\n".join(lines)


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _device() -> tuple[str, str, float | None]:
    """(kind, human description, memory in GB) of the device training would use."""
    import torch

    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        bf16 = "bf16" if torch.cuda.is_bf16_supported() else "fp16 only"
        detail = f"{props.name} (x{torch.cuda.device_count()}, compute {props.major}.{props.minor}, {bf16})"
        return "cuda", detail, props.total_memory / 1e9
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps", f"Apple GPU ({platform.machine()})", _system_memory_gb()
    usable, machine = usable_cpu_cores(), os.cpu_count()
    cores = f"{usable} logical cores" if usable == machine else f"{usable} of its {machine} logical cores usable here"
    return "cpu", f"{_cpu_name()} ({cores})", _system_memory_gb()


def _cgroup_cpu_limit() -> float | None:
    """CPUs allowed by a container's CPU quota (cgroup v2 ``cpu.max`` or v1 ``cfs_quota_us``), None if unlimited."""
    for quota_file, period_file in (("/sys/fs/cgroup/cpu.max", None),
                                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us")):
        try:
            with open(quota_file, encoding="utf-8") as f:
                words = f.read().split()
            if period_file:
                with open(period_file, encoding="utf-8") as f:
                    words.append(f.read().strip())
        except OSError:
            continue
        if len(words) == 2 and words[0] not in ("max", "-1") and float(words[1]) > 0:
            return float(words[0]) / float(words[1])
        return None
    return None


def usable_cpu_cores() -> int:
    """The logical CPU cores this process may run on: its CPU affinity (``taskset``, a job scheduler), capped by
    a container's CPU quota. ``os.cpu_count()`` counts the whole machine, which can be many more."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    return max(1, min(cores, math.ceil(limit))) if limit else cores


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _system_memory_gb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return None


def hub_status(timeout: float = 1.5) -> str:
    """'offline (...)' when offline mode is set, else whether huggingface.co answers within ``timeout`` s."""
    if config.hub_offline():
        return "offline (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE set): the course uses local data and its checkpoint"
    if config.hub_reachable(timeout=timeout):
        return "online (huggingface.co reachable)"
    return "unreachable: the course falls back to local data and its checkpoint (set HF_HUB_OFFLINE=1 to skip this probe)"


def check_env(print_report: bool = True, probe_hub: bool = True) -> EnvReport:
    """Collect (and by default print) the facts a learner needs before starting the course."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("torch", "transformers", "datasets", "tokenizers", "accelerate", "safetensors",
                 "ipywidgets", "matplotlib", "jupyterlab"):
        versions[name] = _installed(name)
    warnings = []
    for name, need in MIN_VERSIONS.items():
        found = versions.get(name)
        if found is None:
            warnings.append(f"{name} is not installed: run `make lab` (or `pip install -e .`) to install it")
        elif not version_ok(found, need):
            warnings.append(f"{name} {found} is too old for this course (need >= {need}): "
                            f"upgrade with `pip install -U '{name}>={need}'`" if name != "python"
                            else f"Python {found} is too old (need >= {need}): create the venv with a newer Python")
    import torch

    kind, detail, memory = _device()
    threads = torch.get_num_threads()
    cores = usable_cpu_cores() if kind == "cpu" else None
    if cores is not None and threads > cores:
        warnings.append(f"torch will run {threads} threads on {cores} usable CPU core{'s' if cores > 1 else ''}, "
                        f"which slows it down: start with OMP_NUM_THREADS={cores}, call torch.set_num_threads({cores}), "
                        f"or pass --threads {cores} to `mlmcourse train`")
    report = EnvReport(
        versions=versions,
        device=kind,
        device_detail=detail,
        threads=threads,
        memory_gb=memory,
        cores=cores,
        smoke=config.smoke_mode(),
        hub=hub_status() if probe_hub else ("offline" if config.hub_offline() else "not probed"),
        data_dir=str(config.data_dir()),
        cache_dir=str(config.cache_dir()),
        hf_cache=os.environ.get("HF_HOME", str(config.Path.home() / ".cache" / "huggingface")),
        warnings=warnings,
    )
    if print_report:
        print(report)
    return report


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("check-env", help="print versions, device, smoke mode, Hub status and folders")
    parser.add_argument("--no-hub-probe", action="store_true", help="do not try to reach the Hugging Face Hub")
    parser.set_defaults(func=lambda args: (check_env(probe_hub=not args.no_hub_probe), 0)[1])


if __name__ == "__main__":  # pragma: no cover
    check_env()
    sys.exit(0)
