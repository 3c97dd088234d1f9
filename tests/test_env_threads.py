"""check-env agrees with itself on CPU cores and threads: it counts the cores this process may use, not the machine's.

``os.cpu_count()`` counts every core of the machine; under ``taskset``, a job scheduler or a container quota the
process may use fewer, and torch may then run more threads than there are cores for it.
"""

from __future__ import annotations

import os

import torch

import mlmcourse.env as env


def test_usable_cores_follow_the_affinity_mask(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(env, "_cgroup_cpu_limit", lambda: None)
    assert env.usable_cpu_cores() == 1


def test_a_container_quota_caps_the_usable_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    monkeypatch.setattr(env, "_cgroup_cpu_limit", lambda: 1.5)  # docker --cpus=1.5
    assert env.usable_cpu_cores() == 2


def report_with(monkeypatch, usable: int, logical: int, threads: int):
    """check_env's report with ``usable`` cores of ``logical`` and torch set to ``threads`` threads."""
    monkeypatch.setattr(env, "usable_cpu_cores", lambda: usable)
    monkeypatch.setattr(os, "cpu_count", lambda: logical)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return env.check_env(print_report=False, probe_hub=False)
    finally:
        torch.set_num_threads(previous)


def test_the_report_shows_usable_cores_and_warns_when_torch_oversubscribes(monkeypatch):
    report = report_with(monkeypatch, usable=1, logical=4, threads=2)
    if report.device != "cpu":  # on a GPU machine the CPU line is not shown
        return
    text = str(report)
    assert report.cores == 1 and report.threads == 2
    assert "1 of its 4 logical cores usable here" in text and "2 torch threads" in text
    assert any("torch will run 2 threads on 1 usable CPU core" in w and "--threads 1" in w for w in report.warnings)


def test_the_report_agrees_with_itself_when_nothing_is_limited(monkeypatch):
    report = report_with(monkeypatch, usable=2, logical=2, threads=1)
    if report.device != "cpu":
        return
    assert "(2 logical cores)" in str(report) and "1 torch thread\n" in str(report)  # singular: one thread
    assert not any("torch will run" in w for w in report.warnings)


def test_cgroup_limit_reads_v2_and_v1_files(monkeypatch, tmp_path):
    files = {"/sys/fs/cgroup/cpu.max": "150000 100000\n"}
    real_open = open

    def fake_open(path, *args, **kwargs):
        if path in files:
            target = tmp_path / "file"
            target.write_text(files[path])
            return real_open(target, *args, **kwargs)
        if str(path).startswith("/sys/fs/cgroup"):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    assert env._cgroup_cpu_limit() == 1.5
    files.clear()
    files.update({"/sys/fs/cgroup/cpu.max": "max 100000\n"})
    assert env._cgroup_cpu_limit() is None
    files.clear()
    files.update({"/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "200000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"})
    assert env._cgroup_cpu_limit() == 2.0
