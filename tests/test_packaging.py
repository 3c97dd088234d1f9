"""The set-up files agree with each other and the CLI is wired up."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    return names


def _environment_names() -> set[str]:
    names = set()
    in_pip = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("- pip:"):
            in_pip = True
            continue
        if in_pip and stripped.startswith("- "):
            item = stripped[2:].strip()
            if not item.startswith("-e"):
                names.add(_name(item))
    return names


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    assert _environment_names() == _pyproject_names()


def test_pyproject_has_required_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    required = {"torch", "transformers", "datasets", "tokenizers", "accelerate", "ipywidgets", "jupyterlab",
                "matplotlib", "tqdm"}
    assert required <= runtime
    assert {"pytest", "nbval", "ruff"} <= {_name(r) for r in project["optional-dependencies"]["dev"]}
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"]["mlmcourse"] == "mlmcourse.cli:main"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make lab" in (ROOT / "README.md").read_text()


def test_cli_help_lists_subcommands():
    out = subprocess.run([sys.executable, "-m", "mlmcourse.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for command in ("check-env", "bench"):
        assert command in out


def test_unknown_bench_name_is_a_clear_error(capsys):
    from mlmcourse.cli import main

    assert main(["bench", "no-such-bench", "--json"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark 'no-such-bench'" in err
