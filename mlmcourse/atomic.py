"""Atomic folders: a model folder appears complete, or not at all.

Teaches: writing a model is several files (config, weights, tokenizer, model card). Written in place, an interrupted
export leaves a folder that looks like a model and is not, and a re-export leaves files of the old model next to
the new ones (an old ``mlmcourse_config.json`` beside a new ``config.json`` decides how the folder loads). So the
files go to a temporary sibling folder first, which is renamed into place once everything is written: a rename
within one file system is atomic.
Simplifies: replacing an existing folder is two renames (old aside, new in), not one atomic swap; between them the
folder is briefly absent, and a crash there leaves the previous version in ``.NAME.old-*`` next to it.
Mirrors: the write-then-rename pattern of POSIX ``rename(2)`` (``os.replace``), which
``mlmcourse.training.checkpoint`` also uses for checkpoints.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _sibling(target: Path, kind: str) -> Path:
    """A hidden, unique name next to ``target``: ``.NAME.tmp-PID-RANDOM`` (same file system, so renames are atomic)."""
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def replace_folder(source: str | Path, target: str | Path) -> Path:
    """Move the finished folder ``source`` to ``target``, replacing whatever was there; returns ``target``.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "model").mkdir(); _ = (root / "model" / "stale.json").write_text("{}")
    >>> (root / "new").mkdir(); _ = (root / "new" / "config.json").write_text("{}")
    >>> sorted(p.name for p in replace_folder(root / "new", root / "model").iterdir())
    ['config.json']
    >>> sorted(p.name for p in root.iterdir())  # nothing left behind
    ['model']
    """
    source, target = Path(source), Path(target)
    if not target.exists() and not target.is_symlink():
        os.replace(source, target)
        return target
    if not target.is_dir() or target.is_symlink():
        raise NotADirectoryError(20, "Not a directory", str(target))  # never replace a file or a link with a folder
    old = _sibling(target, "old")
    os.replace(target, old)
    try:
        os.replace(source, target)
    except BaseException:
        os.replace(old, target)  # put the previous version back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return target


def check_writable(target: str | Path) -> None:
    """Raise ``PermissionError`` (naming the folder) now if ``target``'s folder cannot be written, not after an
    hour of training: creates the parent folders and a temporary sibling, then removes the sibling."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _make_sibling(target, "tmp").rmdir()


def _make_sibling(target: Path, kind: str) -> Path:
    """Create and return a hidden sibling folder; a refusal names ``target``'s folder, the one the user chose."""
    sibling = _sibling(target, kind)
    try:
        sibling.mkdir()  # created like any folder (the umask applies), unlike tempfile.mkdtemp's private 0700
    except PermissionError as error:
        raise PermissionError(error.errno, error.strerror, str(target.parent)) from error
    return sibling


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Write a folder's files into the yielded temporary folder; on success it becomes ``target``.

    If the block raises, the temporary folder is deleted and ``target`` is left as it was.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "export"
    >>> with atomic_folder(target) as staging:
    ...     _ = (staging / "config.json").write_text("{}")
    ...     target.exists()  # not yet: readers never see half a folder
    False
    >>> sorted(p.name for p in target.iterdir())
    ['config.json']
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _make_sibling(target, "tmp")
    try:
        yield staging
        replace_folder(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_cache_json(path: str | Path, value: object) -> bool:
    """Write ``value`` as JSON to ``path`` through a temporary sibling and a rename (a reader never sees half a
    file). A cache only: on a read-only home nothing is written and False is returned, never an error.

    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_cache_json(folder / "a" / "cache.json", ["é", 1]), json.loads((folder / "a" / "cache.json").read_text())
    (True, ['é', 1])
    """
    import json

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        return False
    return True

