"""Keep the generated parts of ``docs/teaching.md`` true: run times and the exercises' common wrong answers.

    python scripts/teaching_doc.py                  # rewrite the generated parts of docs/teaching.md
    python scripts/teaching_doc.py --check          # exit 1 if they are out of date (a unit test runs it)
    python scripts/teaching_doc.py --measure-smoke  # time the notebooks in smoke mode: docs/smoke_times.json

Three kinds of marked blocks are rewritten, everything else in the file is prose an instructor edits:

- ``<!-- run-times -->`` tables: the columns "Run All, full size" and "Run All, smoke" of each row are filled
  from the notebooks the row's "Notebooks" column names (``01, 02``): full-size seconds from each stored notebook's
  ``metadata.mlmcourse`` (written by ``make notebooks``), smoke seconds from ``docs/smoke_times.json``; a row
  with a notebook that has no measurement says "not measured yet";
- ``<!-- measured -->``: one row per notebook with its measured times, the machine and the date;
- ``<!-- exercises -->``: for each exercise checker in ``mlmcourse/exercises/ex*.py``, what it tells a learner
  whose answer is wrong (the failure it saw and its hint), read from the checker's source: when a checker
  changes, ``--check`` fails until this script runs again.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import importlib.util
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "teaching.md"
SMOKE_TIMES = ROOT / "docs" / "smoke_times.json"
EXERCISES = ROOT / "mlmcourse" / "exercises"
NOT_MEASURED = "not measured yet"
FULL, SMOKE = "Run All, full size", "Run All, smoke"


def _load_run_notebooks():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def format_minutes(seconds: float) -> str:
    """How the course writes a run time (the same rule as the README's course map).

    >>> format_minutes(20), format_minutes(95)
    ('< 1 min', '2 min')
    """
    return _load_run_notebooks().format_minutes(seconds)


def notebook_paths(root: Path = ROOT) -> dict[str, Path]:
    """``{"01": notebooks/01_corpus.ipynb, ...}``."""
    return {path.name[:2]: path for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def measurements(root: Path = ROOT) -> dict[str, dict]:
    """``{"01": {"name", "full", "device", "executed", "smoke"}}``; a missing measurement is None."""
    smoke_file = root / "docs" / "smoke_times.json"
    smoke = json.loads(smoke_file.read_text())["notebooks"] if smoke_file.exists() else {}
    found = {}
    for number, path in notebook_paths(root).items():
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("mlmcourse") or {}
        full = meta.get("seconds") if meta.get("mode") == "full" else None
        found[number] = {"name": path.stem, "full": full, "device": meta.get("device") if full else None,
                         "executed": meta.get("executed") if full else None, "smoke": smoke.get(path.stem)}
    return found


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def fill_run_times(table: str, measured: dict[str, dict]) -> str:
    """Fill the run-time columns of a markdown schedule table from ``measured``.

    >>> table = ("| Session | Notebooks | Run All, full size |\\n|---|---|---|\\n"
    ...          "| Morning | 00, 01 | ? |\\n| Lunch | | |")
    >>> print(fill_run_times(table, {"00": {"full": 30}, "01": {"full": 100}}))
    | Session | Notebooks | Run All, full size |
    |---|---|---|
    | Morning | 00, 01 | 2 min |
    | Lunch |  |  |
    >>> print(fill_run_times(table, {"00": {"full": 30}, "01": {"full": None}}).splitlines()[2])
    | Morning | 00, 01 | not measured yet |
    """
    lines = table.strip("\n").split("\n")
    header = _cells(lines[0])
    wanted = {column: kind for column, kind in ((FULL, "full"), (SMOKE, "smoke")) if column in header}
    if "Notebooks" not in header or not wanted:
        raise SystemExit(f"teaching_doc: a run-times table needs a 'Notebooks' column and '{FULL}' or "
                         f"'{SMOKE}'")
    out = lines[:2]
    for line in lines[2:]:
        cells = _cells(line)
        numbers = re.findall(r"\b\d\d\b", cells[header.index("Notebooks")])
        for column, kind in wanted.items():
            seconds = [measured.get(number, {}).get(kind) for number in numbers]
            cells[header.index(column)] = ("" if not numbers else NOT_MEASURED if None in seconds
                                           else format_minutes(sum(seconds)))
        out.append(_row(cells))
    return "\n".join(out)


def measured_table(measured: dict[str, dict]) -> str:
    """One row per notebook: its measured full-size and smoke times, and where they were measured."""
    rows = ["| Notebook | Full size (stored run) | Measured on | Date | Smoke mode |",
            "|---|---|---|---|---|"]
    for _, entry in sorted(measured.items()):
        full = format_minutes(entry["full"]) if entry["full"] is not None else NOT_MEASURED
        smoke = format_minutes(entry["smoke"]) if entry["smoke"] is not None else NOT_MEASURED
        rows.append(_row([f"`{entry['name']}`", full, entry["device"] or "", entry["executed"] or "", smoke]))
    return "\n".join(rows)


# ---- the exercises' wrong answers, read from the checkers' source ------------------------------------------


def render(node: ast.AST) -> str | None:
    """A string written in the source: literal, implicit or ``+`` concatenation, f-string (fields as "…").

    >>> render(ast.parse('f"got {x!r}, expected {y:.2f}."', mode="eval").body)
    'got …, expected ….'
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "…" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = render(node.left), render(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _assignments(function: ast.FunctionDef, name: str) -> list[ast.AST]:
    return [node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)]


def _returned_dict_keys(function: ast.FunctionDef) -> list[str]:
    returned = [node.value for node in ast.walk(function)
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict)]
    keys = [render(key) for table in returned for key in table.keys if key is not None]
    return [key for key in keys if key not in (None, "correct")]


def _hints_of(node: ast.AST, function: ast.FunctionDef, functions: dict[str, ast.FunctionDef],
              depth: int = 0) -> list[str]:
    """The hint texts an expression can take: a literal; either branch of ``a if c else b``; what a helper
    returns; a variable's assigned values; ``table.get(key, default)`` of a dict literal; or the keys of a
    helper's ``{hint: wrong answer}`` dict that a loop walks through."""
    if depth > 4:
        return []
    text = render(node)
    if text is not None:
        return [text]

    def again(child: ast.AST, scope: ast.FunctionDef = function) -> list[str]:
        return _hints_of(child, scope, functions, depth + 1)

    if isinstance(node, ast.IfExp):
        return again(node.body) + again(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
        helper = functions[node.func.id]
        return [hint for ret in ast.walk(helper) if isinstance(ret, ast.Return) and ret.value is not None
                for hint in again(ret.value, helper)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and isinstance(node.func.value, ast.Name):
        tables = [table for table in _assignments(function, node.func.value.id) if isinstance(table, ast.Dict)]
        return [hint for table in tables for value in table.values for hint in again(value)] + \
            [hint for default in node.args[1:] for hint in again(default)]
    if isinstance(node, ast.Name):
        hints = [hint for value in _assignments(function, node.id) for hint in again(value)]
        for loop in ast.walk(function):
            if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call)
                    and isinstance(loop.iter.func, ast.Attribute) and loop.iter.func.attr == "items"):
                continue
            names = [n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)]
            iterated = loop.iter.func.value
            made = _assignments(function, iterated.id) if isinstance(iterated, ast.Name) else []
            made_by = made[0] if made else None
            if names and names[0] == node.id and isinstance(made_by, ast.Call) and \
                    isinstance(made_by.func, ast.Name) and made_by.func.id in functions:
                hints += _returned_dict_keys(functions[made_by.func.id])
        return hints
    return []


def wrong_answers(path: Path) -> dict:
    """``{"summary", "checkers", "rows": [(what the checker saw, its hint)]}`` for one exercise module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    rows: list[tuple[str, str]] = []
    for function in functions.values():
        for call in ast.walk(function):
            is_feedback = isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                call.func.id == "Feedback"
            if not (is_feedback and call.args and isinstance(call.args[0], ast.Constant)
                    and call.args[0].value is False):
                continue
            message = render(call.args[1]) if len(call.args) > 1 else ""
            hint_node = call.args[2] if len(call.args) > 2 else next(
                (k.value for k in call.keywords if k.arg == "hint"), None)
            hints = _hints_of(hint_node, function, functions) if hint_node is not None else []
            for hint in hints or [""]:
                if (message or "", hint) not in rows:
                    rows.append((message or "", hint))
    docstring = ast.get_docstring(tree) or ""
    paragraphs = [p for p in docstring.split("\n\n") if p.strip()]
    chosen = (paragraphs[1] if len(paragraphs) > 1 else paragraphs[0]) if paragraphs else ""
    summary = " ".join(chosen.split())
    summary = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", summary.removeprefix("The exercise: ")).replace("``", "`")
    checkers = [name for name in functions if name.startswith("check_")]
    return {"summary": summary, "checkers": checkers, "rows": rows}


def _inline(text: str) -> str:
    return " ".join(text.split())


def exercises_section(root: Path = ROOT) -> str:
    notebooks = notebook_paths(root)
    parts = []
    for path in sorted((root / "mlmcourse" / "exercises").glob("ex[0-9][0-9].py")):
        number = path.stem[2:]
        found = wrong_answers(path)
        notebook = notebooks.get(number)
        title = f"### {number} · {', '.join(f'`{name}`' for name in found['checkers'])}"
        parts += [title + (f" (`{notebook.name}`)" if notebook else ""), ""]
        if found["summary"]:
            summary = found["summary"]
            parts += [f"The exercise: {summary}" if summary[:1].islower() else summary, ""]
        parts += ["What the checker says to a wrong answer (its message, then the hints it gives):", ""]
        hints_by_message: dict[str, list[str]] = {}
        for message, hint in found["rows"]:
            hints_by_message.setdefault(_inline(message), []).extend([_inline(hint)] if hint else [])
        for message, hints in hints_by_message.items():
            parts.append(f"- *{message}*")
            parts += [f"  - {hint}" for hint in hints]
        parts.append("")
    return "\n".join(parts).rstrip("\n")


# ---- the document -------------------------------------------------------------------------------------------

BLOCK = re.compile(r"(<!-- (run-times|measured|exercises) -->\n)(.*?)(<!-- /\2 -->)", re.S)


def regenerate(text: str, root: Path = ROOT) -> str:
    """``text`` (docs/teaching.md) with every marked block rewritten."""
    measured = measurements(root)
    generated = {"measured": lambda _: measured_table(measured),
                 "exercises": lambda _: exercises_section(root),
                 "run-times": lambda body: fill_run_times(body, measured)}
    return BLOCK.sub(lambda m: m.group(1) + generated[m.group(2)](m.group(3)).strip("\n") + "\n" + m.group(4), text)


def measure_smoke(paths: list[Path], timeout: int = 600) -> dict:
    """Run each notebook in smoke mode (as ``make test`` does, outputs not stored) and time it."""
    import nbformat
    from nbclient import NotebookClient

    run_notebooks = _load_run_notebooks()
    os.environ.update(run_notebooks.ENVIRONMENT)
    os.environ["MLMCOURSE_SMOKE"] = "1"
    seconds = {}
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds[path.stem] = round(time.perf_counter() - start)
        print(f"{path.name}: {seconds[path.stem]} s (smoke)", flush=True)
    return {"notebooks": seconds, "device": run_notebooks.device_name(),
            "executed": datetime.date.today().isoformat()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/teaching.md is out of date")
    parser.add_argument("--measure-smoke", action="store_true",
                        help="time the notebooks in smoke mode first (writes docs/smoke_times.json); run it on a "
                             "quiet machine")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    if args.measure_smoke:
        result = measure_smoke(list(notebook_paths().values()))
        SMOKE_TIMES.write_text(json.dumps(result, indent=1) + "\n")
    text = args.doc.read_text(encoding="utf-8")
    updated = regenerate(text)
    if args.check:
        if updated != text:
            print(f"{args.doc} is out of date: run `python scripts/teaching_doc.py`", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        args.doc.write_text(updated, encoding="utf-8")
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
