"""Your own corpus: a ``.txt`` file, a folder of them, or a glob pattern, one text per line.

What it teaches: a masked LM adapts to whatever text it sees, so the quickest way to a domain model is your own
files. Lines are the unit (empty lines are dropped); a seeded shuffle cuts 90% train, 5% validation, 5% test.

What it simplifies: files must be UTF-8 plain text; no paragraph joining, no document boundaries.
Production twin: ``datasets.load_dataset("text", data_files=...)`` as in Hugging Face's ``run_mlm.py``
(``--train_file``), with ``validation_split_percentage``-style held-out splits.

Problems are reported before ``datasets`` sees the files (missing path, no ``.txt`` in a folder, an empty file,
bytes that are not UTF-8), each with what to do, instead of a traceback from deep inside the loader.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING

from mlmcourse.errors import CourseError

if TYPE_CHECKING:
    import datasets

GLOB_CHARACTERS = ("*", "?", "[")


def looks_like_path(name: str) -> bool:
    """True when ``name`` should be read as a local path rather than a corpus or Hub name.

    An existing file or folder, a glob, anything ending in ``.txt``, or starting like a path (``./``, ``/``, ``~``).

    >>> looks_like_path("notes/*.txt"), looks_like_path("./corpus"), looks_like_path("wikitext-2-raw-v1")
    (True, True, False)
    """
    if any(ch in name for ch in GLOB_CHARACTERS) or name.lower().endswith(".txt"):
        return True
    if name.startswith(("./", "../", "/", "~", ".\\")):
        return True
    return Path(name).expanduser().exists()


def find_text_files(spec: str | Path) -> list[Path]:
    """The files a path, folder (all ``*.txt`` inside, recursively) or glob names, sorted.

    Raises ``FileNotFoundError`` saying what was looked for and where.
    """
    text = str(spec)
    if any(ch in text for ch in GLOB_CHARACTERS):
        files = sorted(Path(p) for p in glob.glob(str(Path(text).expanduser()), recursive=True) if Path(p).is_file())
        if not files:
            raise FileNotFoundError(f"no file matches the pattern {text!r} (working directory: {Path.cwd()}); "
                                    f"check the pattern, e.g. 'texts/*.txt' or 'texts/**/*.txt'")
        return files
    path = Path(text).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        if not files:
            raise FileNotFoundError(f"the folder {str(path)!r} contains no .txt files; put your text in files "
                                    f"ending in .txt, or pass a pattern such as '{path}/*.md'")
        return files
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"no such file or folder: {text!r} (looked in {path.resolve()}); check the spelling, "
                            f"or use load_corpus('toyworld') / load_corpus('pydocs') for a built-in corpus")


def count_text_lines(path: Path) -> int:
    """Number of non-blank lines in a UTF-8 file; ``ValueError`` naming the line and byte if it is not UTF-8.

    Lines are split on the byte ``\\n`` first: in UTF-8 that byte never occurs inside a character.
    """
    count = 0
    with open(path, "rb") as handle:
        for line_number, raw_line in enumerate(handle, start=1):
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as error:
                bad = raw_line[error.start: error.start + 4]
                raise CourseError(
                    f"{path} is not UTF-8 text: line {line_number}, byte {error.start + 1} is {bad!r}. Save it as "
                    f"UTF-8 (most editors: 'Save with encoding'), or convert it, e.g. "
                    f"`iconv -f latin1 -t utf-8 in.txt > out.txt`"
                ) from None
            count += bool(line.strip())
    return count


def load_local(spec: str | Path, *, seed: int = 0) -> datasets.DatasetDict:
    """A local text corpus as ``train`` / ``validation`` / ``test`` (90/5/5 after a shuffle seeded by ``seed``)."""
    import datasets

    from mlmcourse.corpora import holdout_split

    files = find_text_files(spec)
    total_lines = 0
    for path in files:
        total_lines += count_text_lines(path)
    if total_lines == 0:
        names = ", ".join(str(p) for p in files[:3]) + (" ..." if len(files) > 3 else "")
        raise CourseError(f"no text in {names}: the file(s) are empty or hold only blank lines; "
                          f"write some text, one sentence or paragraph per line")
    loaded = datasets.load_dataset("text", data_files=[str(p) for p in files], split="train")
    non_empty = loaded.filter(lambda text: bool(text.strip()), input_columns="text")
    return holdout_split(non_empty, seed)
