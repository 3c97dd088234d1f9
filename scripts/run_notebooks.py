"""Execute notebooks and store their outputs (``make notebooks``; ``make notebooks NB=notebooks/05_training.ipynb``).

    python scripts/run_notebooks.py [--smoke] [notebooks/03_masking.ipynb ...]

Without ``--smoke`` the notebooks run their full-size lessons, and what is stored is what a reader sees on GitHub:
- progress bars as plain text (``MLMCOURSE_TEXT_PROGRESS=1``), each kept at its last state (a widget bar would
  show a frozen ``0%``);
- ``metadata.mlmcourse``: the mode (``full`` / ``smoke``), the package version and git commit, the device, the
  wall time in seconds and the date;
- the README's course map and the notebook's own header (between ``<!-- time -->`` marks) get the measured
  full-size time.

A lesson a notebook checks with ``mlmcourse.lessons.expect`` that no longer holds stops the run: the script names
the notebook and the lesson, and leaves the stored notebook as it was. Cells checked by nbval
(``# NBVAL_CHECK_OUTPUT``) must print the same thing in both modes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ENVIRONMENT = {
    "PYTHONWARNINGS": "ignore", "TOKENIZERS_PARALLELISM": "false", "MLMCOURSE_TEXT_PROGRESS": "1",
    "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def collapse_carriage_returns(text: str) -> str:
    """Keep what a terminal would show: for each line, the text after its last carriage return.

    >>> collapse_carriage_returns("training:   0%|   | 0/9\\rtraining: 100%|###| 9/9\\ndone\\n")
    'training: 100%|###| 9/9\\ndone\\n'
    """
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


# One state of a tqdm text bar: "training:  45%|####5     | 9/20 [..." (its description, then the percentage).
BAR_STATE = re.compile(r"^(?P<desc>.*?):?\s*(?P<percent>\d{1,3})%\|")


def bar_state(text: str) -> tuple[str, int] | None:
    """(description, percent) when a stream output holds nothing but text-bar states, else None.

    >>> bar_state("evaluating:  24%|##4       | 15/63 [00:00<00:00]"), bar_state("loss 0.52\\n")
    (('evaluating', 24), None)
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    matches = [BAR_STATE.match(line) for line in lines]
    if not lines or not all(matches):
        return None
    return matches[-1]["desc"].strip(), int(matches[-1]["percent"])


def tidy_outputs(notebook) -> None:
    """Collapse progress bars in stream outputs; drop empty streams; keep only the final state of each text bar.

    A bar's updates can arrive as many separate stream outputs (one per refresh, between other prints). Only the last
    state of each bar is kept, and only if it reached 100%: a bar that was cleared on closing (``leave=False``) or
    stopped early is left out, so a reader never sees a bar frozen part-way.
    """
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = collapse_carriage_returns(output["text"])
                if not output["text"].strip():
                    continue
            kept.append(output)
        states = [bar_state(output["text"]) if output.get("output_type") == "stream" else None for output in kept]
        last = {state[0]: index for index, state in enumerate(states) if state}
        cell["outputs"] = [output for index, (output, state) in enumerate(zip(kept, states, strict=True))
                           if state is None or (last[state[0]] == index and state[1] == 100)]


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "mlmcourse"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def device_name() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu ({cpu}, {os.cpu_count()} cores)"


def lesson_failure(error: Exception) -> str | None:
    """The lesson named by a LessonNotShown raised in a cell, if that is what stopped the run."""
    match = re.search(r"LessonNotShown: (.*)", str(error))
    return match.group(1).strip() if match else None


def format_minutes(seconds: float) -> str:
    """The course map's way of writing a run time.

    >>> format_minutes(20), format_minutes(95), format_minutes(600)
    ('< 1 min', '2 min', '10 min')
    """
    return "< 1 min" if seconds < 60 else f"{round(seconds / 60)} min"


def update_course_map(readme: Path = README) -> None:
    """Write each notebook's measured full-size time into the README's course map (the 'Full, CPU' column)."""
    text = readme.read_text()
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        meta = json.loads(path.read_text()).get("metadata", {}).get("mlmcourse", {})
        if meta.get("mode") != "full":
            continue
        pattern = re.compile(rf"^(\| `{re.escape(path.stem)}` \|[^|\n]*\|[^|\n]*\| )([^|\n]*?)( \|)", re.M)
        minutes = format_minutes(meta["seconds"])
        text = pattern.sub(lambda m, minutes=minutes: m.group(1) + minutes + m.group(3), text)
    readme.write_text(text)


def run_one(path: Path, smoke: bool, timeout: int) -> float:
    import nbformat
    from nbclient import NotebookClient

    start = time.perf_counter()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    seconds = time.perf_counter() - start
    tidy_outputs(notebook)
    import mlmcourse

    notebook.metadata["mlmcourse"] = {
        "mode": "smoke" if smoke else "full", "version": mlmcourse.__version__, "commit": git_commit(),
        "device": device_name(), "seconds": round(seconds), "executed": datetime.date.today().isoformat(),
    }
    if not smoke:
        write_time(notebook, seconds)
    nbformat.write(notebook, path)
    return seconds


TIME_MARK = re.compile(r"<!-- time -->.*?<!-- /time -->")


def write_time(notebook, seconds: float) -> None:
    """Put the measured full-size time into the notebook's own header (between ``<!-- time -->`` marks)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and TIME_MARK.search(cell.source):
            cell.source = TIME_MARK.sub(f"<!-- time -->{format_minutes(seconds)}<!-- /time -->", cell.source)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=["notebooks"])
    parser.add_argument("--smoke", action="store_true", help="run in smoke mode (tiny sizes)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args()
    os.environ.update(ENVIRONMENT)
    os.environ["MLMCOURSE_SMOKE"] = "1" if args.smoke else "0"

    paths: list[Path] = []
    for item in args.paths:
        path = Path(item)
        paths += sorted(path.glob("[0-9]*.ipynb")) if path.is_dir() else [path]
    failures = []
    for path in paths:
        try:
            seconds = run_one(path, args.smoke, args.timeout)
        except Exception as error:  # a cell failed: keep the stored notebook, report, go on with the others
            lesson = lesson_failure(error)
            reason = f"lesson not shown: {lesson}" if lesson else f"{type(error).__name__}: {str(error)[-2000:]}"
            print(f"{path}: FAILED ({reason}); the stored notebook is unchanged", flush=True)
            failures.append(path)
            continue
        print(f"{path}: {seconds:.0f} s ({'smoke' if args.smoke else 'full'})", flush=True)
    if not args.smoke:
        update_course_map()
    if failures:
        print(f"{len(failures)} notebook(s) failed: {', '.join(str(p) for p in failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
