"""Your own labelled data: a CSV or JSON Lines file with ``text`` and ``label`` columns, checked and split.

What it teaches: the checks that save an afternoon. The file must have a ``text`` and a ``label`` column; every row
needs both; a label that only appears in validation or test can never be predicted (the model has no output for
it), so it is an error, not a silent zero. Without a ``split`` column the rows are split by a hash of their text
(70 / 15 / 15), so two copies of one text always land in the same split (no leakage through duplicates).

What it simplifies: labels are strings (numbers are read as their text); one text column.

Production twin: ``datasets.load_dataset("csv" | "json", data_files=...)`` with ``ClassLabel`` and
``train_test_split``; transformers' ``run_classification.py`` does the same column checks.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mlmcourse.errors import CourseError
from mlmcourse.finetune.data import SPLITS, Examples, TaskData
from mlmcourse.finetune.tasks import split_by_hash

SPLIT_NAMES = {"train": "train", "validation": "validation", "valid": "validation", "dev": "validation",
               "test": "test"}


def read_rows(path: Path) -> list[dict]:
    """The rows of a ``.csv`` file (header line first) or a ``.jsonl`` / ``.json`` file (one object per line)."""
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise CourseError(f"{path} is empty; it needs a header (CSV) or one JSON object per line with `text` and "
                          "`label`, e.g. {\"text\": \"paris is the capital of france .\", \"label\": \"true\"}")
    if suffix == ".csv":
        return list(csv.DictReader(text.splitlines()))
    if suffix in (".jsonl", ".json"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise CourseError(f"{path}, line {number} is not JSON ({error.msg}); JSON Lines means one "
                                      "object per line, e.g. {\"text\": \"...\", \"label\": \"...\"}") from None
                if not isinstance(row, dict):
                    raise CourseError(f"{path}, line {number} is a JSON {type(row).__name__}, not an object with "
                                      "`text` and `label`")
                rows.append(row)
        return rows
    raise CourseError(f"{path} is neither .csv nor .jsonl; save your examples as CSV (columns text,label) or as JSON "
                      "Lines (one {\"text\": ..., \"label\": ...} per line)")


def read_labelled_file(path: str | Path, seed: int = 0) -> TaskData:
    """A sequence-classification task from your file (see the module docstring for the checks)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise CourseError(f"no file {str(path)!r}; pass a CSV or JSON Lines file with `text` and `label` columns")
    rows = read_rows(path)
    if not rows:
        raise CourseError(f"{path} has a header but no rows; add examples, one per line")
    columns = sorted({key for row in rows for key in row if key is not None})
    for column in ("text", "label"):
        if column not in columns:
            raise CourseError(f"{path} has no `{column}` column (columns found: {', '.join(columns) or 'none'}); "
                              "name the columns `text` and `label`")
    examples: dict[str, tuple[list[str], list[str]]] = {name: ([], []) for name in SPLITS}
    for number, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
        text, label = row.get("text"), row.get("label")
        if text is None or not str(text).strip() or label is None or str(label).strip() == "":
            raise CourseError(f"{path}, {'line' if path.suffix.lower() != '.csv' else 'row'} {number} has no "
                              f"{'text' if text is None or not str(text).strip() else 'label'}; every example needs both")
        split = str(row.get("split") or "").strip().lower()
        if split and split not in SPLIT_NAMES:
            raise CourseError(f"{path}, row {number}: unknown split {split!r}; use train, validation or test")
        split = SPLIT_NAMES[split] if split else split_by_hash(str(text))
        examples[split][0].append(str(text))
        examples[split][1].append(str(label).strip())
    train_labels = sorted(set(examples["train"][1]))
    for name in ("validation", "test"):
        unseen = sorted(set(examples[name][1]) - set(train_labels))
        if unseen:
            raise CourseError(f"{path}: the label(s) {', '.join(map(repr, unseen))} appear in {name} but never in "
                              "train, so the model could never predict them; add training examples with them or "
                              "drop those rows")
    if len(train_labels) < 2:
        raise CourseError(f"{path}: the training split has {len(train_labels)} label(s) "
                          f"({', '.join(train_labels) or 'none'}); a classifier needs at least two")
    empty = [name for name in SPLITS if not examples[name][0]]
    if empty:
        raise CourseError(f"{path}: no examples fell into {' and '.join(empty)} ({len(rows)} rows); add more rows or "
                          "a `split` column (train / validation / test) saying where each row goes")
    index = {label: i for i, label in enumerate(train_labels)}
    splits = {name: Examples(texts, [index[label] for label in labels]) for name, (texts, labels) in examples.items()}
    return TaskData(path.stem, "sequence", train_labels, splits, f"examples from {path}")
