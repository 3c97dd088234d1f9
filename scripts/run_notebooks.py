"""Execute notebooks in place and store their outputs (``make notebooks``).

    python scripts/run_notebooks.py [--smoke] [notebooks/03_masking.ipynb ...]

Without ``--smoke`` the notebooks run their full-size lessons. Cells checked by nbval
(``# NBVAL_CHECK_OUTPUT``) must print the same thing in both modes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=["notebooks"])
    parser.add_argument("--smoke", action="store_true", help="run in smoke mode (tiny sizes)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args()
    os.environ["MLMCOURSE_SMOKE"] = "1" if args.smoke else "0"
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    import nbformat
    from nbclient import NotebookClient

    paths: list[Path] = []
    for item in args.paths:
        path = Path(item)
        paths += sorted(path.glob("[0-9]*.ipynb")) if path.is_dir() else [path]
    for path in paths:
        start = time.perf_counter()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=args.timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
        nbformat.write(notebook, path)
        print(f"{path}: {time.perf_counter() - start:.0f} s ({'smoke' if args.smoke else 'full'})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
