import subprocess
import sys

from mlmcourse import config
from mlmcourse.env import EnvReport, check_env, parse_version, version_ok


def test_parse_version_docstring_examples():
    assert parse_version("2.13.0+cpu") == (2, 13, 0)
    assert parse_version("5.0.0rc1") == (5, 0, 0)
    assert parse_version("3.11") == (3, 11)


def test_version_ok():
    assert version_ok("2.13.0+cpu", "2.4")
    assert not version_ok("4.57.1", "5.0")
    assert version_ok("5.0", "5.0")


def test_check_env_reports_facts(capsys):
    report = check_env(probe_hub=False)
    assert isinstance(report, EnvReport)
    out = capsys.readouterr().out
    assert report.versions["torch"] and report.versions["transformers"]
    assert report.device in {"cpu", "cuda", "mps"}
    assert report.threads >= 1
    assert report.smoke is True  # conftest turns smoke mode on
    assert "smoke mode    ON" in out
    assert report.hub.startswith("offline")
    assert report.data_dir == str(config.data_dir())


def test_check_env_warns_about_old_versions(monkeypatch):
    import mlmcourse.env as env

    real = env._installed
    monkeypatch.setattr(env, "_installed", lambda name: "4.40.0" if name == "transformers" else real(name))
    report = check_env(print_report=False, probe_hub=False)
    assert any("transformers 4.40.0 is too old" in w and "pip install -U" in w for w in report.warnings)
    assert "TOO OLD" in str(report)


def test_smoke_mode_and_pick(monkeypatch):
    monkeypatch.setenv("MLMCOURSE_SMOKE", "0")
    assert config.pick(smoke=1, full=2) == 2
    monkeypatch.setenv("MLMCOURSE_SMOKE", "1")
    assert config.pick(smoke=1, full=2) == 1


def test_check_env_cli_prints_report():
    result = subprocess.run([sys.executable, "-m", "mlmcourse.cli", "check-env"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "device" in result.stdout and "torch" in result.stdout and "hub           offline" in result.stdout
