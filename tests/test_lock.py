"""The lock: requirements/constraints.txt pins the tested versions, agrees with pyproject.toml and the installed
environment, and scripts/setup_venv.sh installs through it (torch included) unless told not to."""

from __future__ import annotations

import doctest
import os
import stat
import subprocess
from pathlib import Path

import pytest
from _scripts import load_script
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


lock = load_script("lock")


def pins() -> dict[str, str]:
    lines = [line for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")]
    return {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in lines}


def test_docstring_examples():
    assert doctest.testmod(lock).failed == 0


def test_every_dependency_is_pinned_inside_its_pyproject_range():
    locked = pins()
    for requirement in lock.top_level_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in {CONSTRAINTS.name}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (name, locked[name])


def test_torch_is_pinned_to_a_release_both_builds_match():
    torch_pin = Requirement(f"torch=={pins()['torch']}")
    assert "+" not in pins()["torch"]  # no +cpu / +cu128: one line for both builds
    assert torch_pin.specifier.contains(pins()["torch"] + "+cpu")
    assert torch_pin.specifier.contains(pins()["torch"] + "+cu128")


def test_the_installed_environment_is_the_locked_one():
    """The environment running the tests has the locked versions (what `make test` installs)."""
    assert lock.main(["--check"]) == 0, "installed versions differ from requirements/constraints.txt"


def test_check_notices_a_stale_lock(tmp_path, capsys):
    stale = tmp_path / "constraints.txt"
    stale.write_text(CONSTRAINTS.read_text().replace("transformers==", "transformers==0.0.0.dev0+"))
    assert lock.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err


@pytest.fixture
def fake_venv(tmp_path) -> Path:
    """A venv whose python only records its arguments: setup_venv.sh runs in a second."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\n'  # "import torch" works once torch was installed
                      f'if [ "$1" = "-c" ]; then [ -f {tmp_path}/torch ]; exit $?; fi\n'
                      f'case "$*" in *"install torch"*) touch {tmp_path}/torch;; esac\n'
                      f'echo "$@" >> {tmp_path}/calls\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    return venv


def run_setup(venv: Path, extra_env: dict[str, str] | None = None, gpu: bool = False) -> list[str]:
    bin_dir = venv.parent / "fakebin"
    bin_dir.mkdir(exist_ok=True)
    if gpu:
        smi = bin_dir / "nvidia-smi"
        smi.write_text("#!/bin/sh\nexit 0\n")
        smi.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key not in ("TORCH_INDEX_URL", "WHEELHOUSE")}
    env.update({"VENV": str(venv), "PATH": f"{bin_dir}:/usr/bin:/bin", **(extra_env or {})})
    result = subprocess.run(["bash", str(ROOT / "scripts" / "setup_venv.sh")], env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return (venv.parent / "calls").read_text().splitlines()


def test_setup_installs_torch_and_the_course_through_the_lock(fake_venv):
    calls = run_setup(fake_venv)
    torch_version = pins()["torch"]
    assert calls[0] == f"-m pip --disable-pip-version-check install torch=={torch_version}"
    assert calls[1] == "-m pip --disable-pip-version-check install -q -e .[dev] -c requirements/constraints.txt"
    assert run_setup(fake_venv) == calls  # nothing changed: no second install


def test_setup_with_a_gpu_takes_the_same_release(fake_venv):
    calls = run_setup(fake_venv, gpu=True)
    assert calls[0].endswith(f"install torch=={pins()['torch']}")


def test_setup_without_the_lock_when_asked(fake_venv):
    calls = run_setup(fake_venv, {"CONSTRAINTS": ""})
    assert calls[1] == "-m pip --disable-pip-version-check install -q -e .[dev]"
    calls = run_setup(fake_venv)  # back to the lock: the stamp says the last install had none
    assert calls[-1].endswith("-c requirements/constraints.txt")


def test_setup_refuses_a_missing_lock_file(fake_venv):
    env = {**os.environ, "VENV": str(fake_venv), "CONSTRAINTS": "no/such/file.txt"}
    result = subprocess.run(["bash", str(ROOT / "scripts" / "setup_venv.sh")], env=env, capture_output=True,
                            text=True)
    assert result.returncode == 2 and "no constraints file no/such/file.txt" in result.stderr


def test_setup_installs_from_a_wheelhouse_without_any_index(fake_venv, tmp_path):
    calls = run_setup(fake_venv, {"WHEELHOUSE": str(tmp_path / "wheels"), "TORCH_INDEX_URL": "https://example.invalid"})
    source = f"--no-index --find-links {tmp_path / 'wheels'}"
    assert calls[0] == f"-m pip --disable-pip-version-check install torch=={pins()['torch']} {source}"
    assert calls[1].endswith(f"install -q -e .[dev] -c requirements/constraints.txt {source}")
