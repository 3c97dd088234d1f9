"""The "pydocs" corpus: real English prose from the running Python's own documentation.

What it teaches: where a language model's text comes from and how much cleaning real text needs. Documentation
mixes prose with code, doctest sessions, reST markup and tables; a masked LM trained on the raw mix learns the
markup. Here the cleaning is explicit and tested: every rule is one small function with a worked example.

What it simplifies: the rules are heuristics for Python's docstrings and ``pydoc_data.topics`` only (a paragraph
is kept when it looks like a sentence), not a general reST parser. The corpus is small
but always available: no download, no network, the same text for every learner on the same Python version
(Python 3.11: about 6,000 paragraphs, 150,000 words; built in 1-7 s, then cached).

Production twin: the filtering pipelines behind web corpora (C4's "keep lines that end in punctuation", dedup,
a hash-based split so that adding documents never moves old ones between splits).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import pkgutil
import re
import sys
import types
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mlmcourse import config
from mlmcourse.atomic import write_cache_json

if TYPE_CHECKING:
    import datasets

# Bump when the cleaning rules change, so cached paragraph lists are rebuilt.
CLEANER_VERSION = 1

# Modules never imported: they open windows or browsers, print on import, start a REPL or are test suites.
UNSAFE_MODULES = frozenset({
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3", "distutils",
    "readline", "rlcompleter", "curses", "ensurepip", "venv", "pydoc_data", "msilib", "winreg", "winsound",
    "msvcrt", "nt", "_winapi",
})

_ROLE = re.compile(r":(?:[\w-]+:)?[\w-]+:`([^`]+)`")  # :func:`len`, :py:meth:`x.y`
_LINK = re.compile(r"`([^`<]+?)\s*(?:<[^>]*>)?`__?")  # `text <url>`_
_LITERAL = re.compile(r"``(.+?)``")
# Bold and emphasis only when the stars hug words: "**" (the power operator) and *args stay as they are.
_STRONG = re.compile(r"(?<![\w*\"'])\*\*([^\s*\"'](?:[^*]*?[^\s*])?)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*\"'])\*([^\s*\"'](?:[^*]*?[^\s*])?)\*(?![\w*])")
_FOOTNOTE = re.compile(r"\s*\[(?:\d+|#\w*|\*)\]_?")
_UNDERLINE = re.compile(r"^\s*([=\-~*^#\"'+`:.])\1{2,}\s*$")
_TABLE_LINE = re.compile(r"^\s*(?:[+|].*[|+]\s*$|=+(?:\s+=+)+\s*$)")
_LIST_ITEM = re.compile(r"^(?:[*\-+\u2022]|\d+[.)]|\(?[a-z]\))\s+")
_TABLE = "\0table"
_SENTENCE_END = re.compile(r"[.!?:][)\"'\]]*$")


def strip_markup(text: str) -> str:
    """Replace inline reST markup by its plain text and collapse whitespace.

    >>> strip_markup("Use :func:`len` on ``items``; see *Notes* and **Warning** [1]_.")
    'Use len on items; see Notes and Warning.'
    >>> strip_markup(":class:`~collections.OrderedDict` keeps `insertion order <https://x.y>`_")
    'OrderedDict keeps insertion order'
    """

    def role(match: re.Match[str]) -> str:
        target = match.group(1).lstrip("!")
        if "<" in target and target.endswith(">"):  # :ref:`text <label>` -> text
            return target[: target.index("<")].strip()
        if target.startswith("~"):  # :class:`~a.b.C` -> C (Sphinx shows only the last part)
            return target[1:].rsplit(".", 1)[-1]
        return target

    text = _ROLE.sub(role, text)
    text = _LITERAL.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _FOOTNOTE.sub("", text)
    return " ".join(text.split())


def split_blocks(text: str) -> list[str]:
    """Cut a docstring into prose blocks, dropping code, doctests, directives, tables and headings.

    A block is a run of lines separated by blank lines. Dropped: everything after a ``::`` line that is indented
    deeper (a literal block), ``>>>`` sessions with their output, ``.. directive::`` with its body, headings with
    their ``====`` underlines, table rows, and each list item starts a block of its own.

    >>> split_blocks("Intro::\\n\\n    code()\\n\\nSee below.\\n>>> 1 + 1\\n2\\n\\n.. note:: hidden\\n   body\\nTitle\\n=====")
    ['Intro:', 'See below.']
    """
    blocks: list[list[str]] = [[]]
    skip_deeper_than: int | None = None  # inside a literal/directive block: skip lines indented deeper than this
    in_doctest = False
    lines = text.expandtabs().splitlines()
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped:
            in_doctest = False
            blocks.append([])
            continue
        if skip_deeper_than is not None:
            if indent > skip_deeper_than:
                continue
            skip_deeper_than = None
        if in_doctest or stripped.startswith(">>>"):
            in_doctest = True  # the prompt and its output run until the next blank line
            continue
        if stripped.startswith(".. "):
            skip_deeper_than = indent
            continue
        if _UNDERLINE.match(line):
            if blocks[-1]:
                blocks[-1].pop()  # the heading text above the underline
            continue
        if _TABLE_LINE.match(line):
            blocks[-1] = [_TABLE]  # the whole block is (part of) a table: dropped below
            continue
        if _LIST_ITEM.match(stripped) and blocks[-1]:
            blocks.append([])
        blocks[-1].append(stripped)
        if stripped.endswith("::"):
            blocks[-1][-1] = stripped[:-1]  # "Example::" reads as "Example:"
            skip_deeper_than = indent
            blocks.append([])
    return [" ".join(block) for block in blocks if block and _TABLE not in block]


def is_prose(paragraph: str, min_words: int = 8, min_letter_share: float = 0.8) -> bool:
    """True for a paragraph that reads like English sentences rather than code, a signature or a list header.

    Kept: at least ``min_words`` words, starts with a capital letter or a quote, ends like a sentence
    (``.``, ``?``, ``!``, maybe followed by a closing bracket or quote), and at least ``min_letter_share``
    of its non-space characters are letters.

    >>> is_prose("Return the number of items in a container, counting duplicates."), is_prose("x = f(a, b)  # doctest")
    (True, False)
    """
    words = paragraph.split()
    if len(words) < min_words or ">>>" in paragraph:
        return False
    start = _LIST_ITEM.sub("", paragraph)[:1]
    if not (start.isupper() or start in "\"'"):
        return False
    if not _SENTENCE_END.search(paragraph):
        return False
    visible = [ch for ch in paragraph if not ch.isspace()]
    letters = sum(ch.isalpha() for ch in visible)
    return letters >= min_letter_share * len(visible)


def clean_document(text: str) -> list[str]:
    """The prose paragraphs of one docstring or documentation page, markup removed.

    >>> clean_document("Sort the list in place, using only < comparisons between items.\\n\\n    >>> xs.sort()\\n")
    ['Sort the list in place, using only < comparisons between items.']
    """
    paragraphs = []
    for block in split_blocks(inspect.cleandoc(text)):
        paragraph = _LIST_ITEM.sub("", strip_markup(block))
        if is_prose(paragraph):
            paragraphs.append(paragraph)
    return paragraphs


def stdlib_modules() -> list[str]:
    """The sorted, fixed list of standard-library modules walked: public top-level modules and their submodules."""
    names: list[str] = []
    for top in sorted(sys.stdlib_module_names):
        if top.startswith("_") or top in UNSAFE_MODULES:
            continue
        names.append(top)
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        locations = getattr(spec, "submodule_search_locations", None) if spec else None
        for info in sorted(pkgutil.iter_modules(locations or []), key=lambda m: m.name):
            if not info.name.startswith("_"):  # no __main__ (it would run the tool), no private helpers
                names.append(f"{top}.{info.name}")
    return names


def _safe_import(name: str) -> types.ModuleType | None:
    """Import a module quietly; None when it cannot be imported here (wrong platform, missing C library)."""
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except (Exception, SystemExit):  # any failure just means: no docstrings from this module
        return None


def module_docstrings(module: types.ModuleType) -> Iterator[str]:
    """The module's docstring, then those of its own public classes, functions and class members (sorted)."""
    if module.__doc__:
        yield module.__doc__
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue  # private, or re-exported from elsewhere (it is read where it is defined)
        if not (inspect.isclass(obj) or callable(obj)) or not isinstance(obj.__doc__, str):
            continue
        yield obj.__doc__
        if inspect.isclass(obj):
            for member_name, member in sorted(vars(obj).items()):
                doc = getattr(member, "__doc__", None)
                if not member_name.startswith("_") and isinstance(doc, str) and doc != obj.__doc__:
                    if callable(member) or isinstance(member, (property, staticmethod, classmethod)):
                        yield doc


def raw_documents(progress: bool = True) -> Iterator[str]:
    """Every docstring of the walked stdlib modules, then every page of ``pydoc_data.topics``."""
    from mlmcourse.progress import tqdm

    for name in tqdm(stdlib_modules(), desc="pydocs: reading stdlib docstrings", disable=not progress):
        module = _safe_import(name)
        if module is not None:
            yield from module_docstrings(module)
    from pydoc_data.topics import topics

    for key in sorted(topics):
        yield topics[key]


def build_paragraphs(progress: bool = True) -> list[str]:
    """Clean, deduplicate (case and spacing ignored) and sort every prose paragraph of the documentation."""
    unique: dict[str, str] = {}
    for document in raw_documents(progress):
        for paragraph in clean_document(document):
            unique.setdefault(" ".join(paragraph.casefold().split()), paragraph)
    return sorted(unique.values())


def cache_path() -> Path:
    """Where the cleaned paragraphs of this Python version are cached (a JSON list)."""
    version = ".".join(map(str, sys.version_info[:3]))
    return config.cache_dir() / f"pydocs-python{version}-v{CLEANER_VERSION}.json"


def pydocs_paragraphs(use_cache: bool = True, progress: bool = True) -> list[str]:
    """The cleaned, deduplicated, sorted paragraphs (built once in a few seconds, then read from the cache)."""
    path = cache_path()
    if use_cache and path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged cache is rebuilt below
    paragraphs = build_paragraphs(progress)
    if use_cache:
        write_cache_json(path, paragraphs)  # a read-only home still gets the corpus, just without a cache
    return paragraphs


def split_of(text: str, seed: int = 0) -> str:
    """The split a paragraph belongs to: a stable hash decides, 90% train, 5% validation, 5% test.

    The choice depends only on the text and the seed, never on how many other paragraphs there are, so a
    paragraph stays in its split when the corpus grows (a newer Python adds docs).

    >>> split_of("Cows moo."), split_of("Cows moo.", seed=1), split_of("Owls hoot.", seed=1)
    ('train', 'validation', 'test')
    >>> from collections import Counter
    >>> sorted(Counter(split_of(f"Paragraph {i}.") for i in range(10_000)).items())
    [('test', 524), ('train', 9002), ('validation', 474)]
    """
    bucket = zlib.crc32(f"{seed}:{text}".encode()) % 100
    return "train" if bucket < 90 else "validation" if bucket < 95 else "test"


def load_pydocs(*, seed: int = 0) -> datasets.DatasetDict:
    """The pydocs corpus as ``train`` / ``validation`` / ``test`` splits (90/5/5 by ``split_of``)."""
    from mlmcourse.corpora import splits_to_dataset_dict

    splits: dict[str, list[str]] = {"train": [], "validation": [], "test": []}
    for paragraph in pydocs_paragraphs():
        splits[split_of(paragraph, seed)].append(paragraph)
    return splits_to_dataset_dict(splits)
