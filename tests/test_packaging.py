"""The set-up files agree with each other and the CLI is wired up."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


# conda-forge's name for a package whose PyPI name differs
CONDA_TO_PYPI = {"pytorch": "torch"}


def _pyproject_specs() -> dict[str, str]:
    """{name: version specifier} of pyproject.toml's dependencies and extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return {_name(r): r.strip()[len(_name(r)):].strip() for r in requirements}


def _environment_sections() -> tuple[dict[str, str], list[str]]:
    """({PyPI name: specifier} of the conda-forge dependencies, the pip section's lines)."""
    conda, pip, in_pip, in_dependencies = {}, [], False, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].strip()
        if not line.startswith(" ") and stripped:
            in_dependencies = stripped == "dependencies:"
        if not in_dependencies:
            continue
        if stripped.startswith("- pip:"):
            in_pip = True
        elif stripped.startswith("- ") and in_pip and line.startswith("      "):
            pip.append(stripped[2:].strip())
        elif stripped.startswith("- ") and line.startswith("  - "):
            in_pip = False
            item = stripped[2:].strip()
            name = _name(item)
            if name not in ("python", "pip"):
                conda[CONDA_TO_PYPI.get(name, name)] = item[len(name):].strip()
    return conda, pip


def test_environment_yml_takes_the_same_dependencies_from_conda_forge():
    conda, pip = _environment_sections()
    assert conda == _pyproject_specs()  # the same names and the same version ranges
    assert pip == ["-e .[dev]"]  # pip installs only the course itself
    assert "conda-forge" in (ROOT / "environment.yml").read_text()


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
