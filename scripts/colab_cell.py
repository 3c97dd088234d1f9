"""The Colab set-up cell of every notebook, and the README's "Open in Colab" badges, from one constant.

    python scripts/colab_cell.py                 # update the notebooks' set-up cell and the README's badges
    python scripts/colab_cell.py --readme-only   # only the README
    python scripts/colab_cell.py --check         # exit 1 if a notebook or the README is out of date

On Colab a notebook opened from GitHub runs without the course: the set-up cell clones the repository and installs
it (editable, with pyproject.toml's ranges: Colab's own PyTorch stays). It does that only on Colab
(``google.colab`` is imported there) and only when ``mlmcourse`` is not importable; anywhere else, including the
tests, it does nothing and prints nothing. The cell is the notebook's first code cell, tagged ``colab-setup``;
running this script again replaces it in place (idempotent), so changing ``REPO`` and rerunning updates every
notebook and the README badges.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPO = "REPO_OWNER/mlmcourse"  # the GitHub "owner/name" of this course: set it once, then rerun this script
BRANCH = "main"
TAG = "colab-setup"
README_BADGES = re.compile(r"(<!-- colab-badges -->\n).*?(<!-- /colab-badges -->)", re.S)

CELL_SOURCE = '''\
# Colab only: install the course when it is missing (anywhere else this cell does nothing).
import importlib.util
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("mlmcourse") is None:
    import os
    import subprocess

    subprocess.run(["git", "clone", "--depth", "1", "https://github.com/{repo}", "/content/mlmcourse"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/mlmcourse"], check=True)
    sys.path.insert(0, "/content/mlmcourse")  # importable now, without restarting the runtime
    os.chdir("/content/mlmcourse/notebooks")'''


def cell_source(repo: str = REPO) -> str:
    """The set-up cell's code for the GitHub repository ``repo`` ("owner/name")."""
    return CELL_SOURCE.replace("{repo}", repo)


def setup_cell(repo: str = REPO) -> dict:
    """The set-up cell as notebook JSON (no output, never executed, tagged)."""
    return {"cell_type": "code", "execution_count": None, "id": TAG, "metadata": {"tags": [TAG]}, "outputs": [],
            "source": cell_source(repo).splitlines(keepends=True)}


def is_setup_cell(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def with_setup_cell(notebook: dict, repo: str = REPO) -> dict:
    """A copy of ``notebook`` whose first code cell is the set-up cell (inserted, or replaced where it is).

    The cell goes right before the first other code cell, after the title and learning goals.

    >>> notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 01"]},
    ...                       {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["x = 1"]}]}
    >>> once = with_setup_cell(notebook, "me/course")
    >>> [cell["cell_type"] for cell in once["cells"]], is_setup_cell(once["cells"][1])
    (['markdown', 'code', 'code'], True)
    >>> with_setup_cell(once, "me/course") == once  # idempotent
    True
    """
    copy = json.loads(json.dumps(notebook))
    cells = [cell for cell in copy["cells"] if not is_setup_cell(cell)]
    first_code = next((i for i, cell in enumerate(cells) if cell.get("cell_type") == "code"), len(cells))
    cell = setup_cell(repo)
    if copy.get("nbformat_minor", 5) < 5 or any("id" not in c for c in cells):
        del cell["id"]  # notebooks before format 4.5 have no cell ids
    copy["cells"] = [*cells[:first_code], cell, *cells[first_code:]]
    return copy


def badge_table(notebooks: list[Path], repo: str = REPO, branch: str = BRANCH) -> str:
    """The README's table: one "Open in Colab" badge per notebook."""
    rows = ["| Notebook | Open in Colab |", "|---|---|"]
    for path in notebooks:
        url = f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{path.name}"
        rows.append(f"| `{path.stem}` | [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                    f"({url}) |")
    return "\n".join(rows) + "\n"


def with_badges(readme: str, notebooks: list[Path], repo: str = REPO, branch: str = BRANCH) -> str:
    """The README with the table between ``<!-- colab-badges -->`` marks regenerated."""
    if not README_BADGES.search(readme):
        raise SystemExit("colab_cell: the README has no <!-- colab-badges --> ... <!-- /colab-badges --> marks")
    table = badge_table(notebooks, repo, branch)
    return README_BADGES.sub(lambda match: match.group(1) + table + match.group(2), readme)


def dumps(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--readme-only", action="store_true", help="update the README's badges only")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of date")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    stale = []
    targets = [] if args.readme_only else notebooks
    for path in targets:
        text = path.read_text(encoding="utf-8")
        updated = dumps(with_setup_cell(json.loads(text)))
        if updated != text:
            stale.append(path)
            if not args.check:
                path.write_text(updated, encoding="utf-8")
    readme = args.readme.read_text(encoding="utf-8")
    updated = with_badges(readme, sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")))
    if updated != readme:
        stale.append(args.readme)
        if not args.check:
            args.readme.write_text(updated, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if args.check else 'updated'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
