"""``pydocs-topic``: which part of the standard library does a documentation paragraph describe?

What it teaches: a real-text task with labels that nobody had to write by hand. Every pydocs paragraph comes from a
module's docstrings, and modules fall into a handful of topics (text, numbers, files, internet, concurrency,
developer tools). The trap is *leakage*: paragraphs of one module share names and phrases ("event loop", "the
mailbox"), so a random split puts near-copies of test paragraphs in training and the score measures memory, not
understanding. Here the split is by *module*: all paragraphs of a top-level module (``asyncio`` with every
``asyncio.*``) are in one split only. Classes are balanced within each split by keeping as many paragraphs of each
topic as the rarest topic has there.

What it simplifies: a fixed, hand-made grouping of modules into topics (modules in no group are left out, e.g.
``builtins``); a paragraph found in several modules is kept once, under the first (sorted) module.

Production twins: ``datasets``' ``train_test_split`` on groups (scikit-learn's ``GroupShuffleSplit``) and topic
datasets such as AG News; the paragraphs are :mod:`mlmcourse.corpora.pydocs`'s, cleaned by the same rules.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import defaultdict

from mlmcourse.atomic import write_cache_json
from mlmcourse.finetune.data import SPLITS, Examples, TaskData

# topic -> top-level standard-library modules (a module's submodules belong to it too).
TOPICS: dict[str, tuple[str, ...]] = {
    "text": ("string", "re", "textwrap", "difflib", "unicodedata", "codecs", "encodings", "locale", "gettext",
             "stringprep", "shlex", "html"),
    "numbers": ("math", "cmath", "decimal", "fractions", "random", "statistics", "numbers", "secrets"),
    "files": ("os", "posix", "nt", "pathlib", "shutil", "tempfile", "io", "glob", "fnmatch", "filecmp", "fileinput",
              "stat", "zipfile", "tarfile", "gzip", "bz2", "lzma", "zlib", "shelve", "dbm", "sqlite3", "csv",
              "configparser", "posixpath", "ntpath", "genericpath", "fcntl", "mmap", "plistlib", "netrc"),
    "internet": ("email", "http", "urllib", "xmlrpc", "smtplib", "ssl", "imaplib", "ftplib", "poplib", "socket",
                 "socketserver", "wsgiref", "mailbox", "telnetlib", "mimetypes", "cgi", "cgitb", "webbrowser",
                 "ipaddress", "base64", "binascii", "quopri", "nntplib", "smtpd", "uu"),
    "concurrency": ("asyncio", "threading", "multiprocessing", "concurrent", "subprocess", "queue", "sched",
                    "signal", "selectors", "select", "contextvars"),
    "developer tools": ("unittest", "doctest", "pdb", "bdb", "inspect", "traceback", "ast", "dis", "tokenize",
                        "token", "importlib", "pkgutil", "pydoc", "timeit", "pstats", "cProfile", "profile", "trace",
                        "tracemalloc", "code", "codeop", "py_compile", "compileall", "zipimport", "runpy", "symtable",
                        "pyclbr", "tabnanny", "faulthandler", "modulefinder"),
}
TOPIC_OF_MODULE = {module: topic for topic, modules in TOPICS.items() for module in modules}
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def near_copy_key(text: str) -> str:
    """The letters and digits of a paragraph, case-folded: two paragraphs that differ only in quoting, punctuation or
    spacing get the same key (what the leakage filters compare).

    >>> near_copy_key('Returns b"" at EOF.') == near_copy_key("returns b'' at  EOF")
    True
    """
    return _NOT_ALPHANUMERIC.sub("", text.casefold())


def topic_of(module: str) -> str | None:
    """The topic of a (sub)module, from its top-level package; None when it belongs to no topic.

    >>> topic_of("asyncio.tasks"), topic_of("decimal"), topic_of("builtins")
    ('concurrency', 'numbers', None)
    """
    return TOPIC_OF_MODULE.get(module.split(".")[0])


def module_paragraphs(use_cache: bool = True, progress: bool = False) -> dict[str, list[str]]:
    """``{module: [paragraph, ...]}`` for every walked standard-library module, cleaned as in pydocs (cached)."""
    from mlmcourse.config import cache_dir
    from mlmcourse.corpora.pydocs import (
        CLEANER_VERSION,
        _safe_import,
        clean_document,
        module_docstrings,
        stdlib_modules,
    )

    version = ".".join(map(str, sys.version_info[:3]))
    path = cache_dir() / f"pydocs-modules-python{version}-v{CLEANER_VERSION}.json"
    if use_cache and path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    from mlmcourse.progress import tqdm

    paragraphs: dict[str, list[str]] = {}
    for name in tqdm(stdlib_modules(), desc="pydocs: reading module docstrings", disable=not progress):
        module = _safe_import(name)
        if module is not None:
            found = [paragraph for doc in module_docstrings(module) for paragraph in clean_document(doc)]
            if found:
                paragraphs[name] = found
    if use_cache:
        write_cache_json(path, paragraphs)
    return paragraphs


def assign_modules(sizes: dict[str, int], seed: int = 0, shares: tuple[float, float, float] = (0.6, 0.2, 0.2)
                   ) -> dict[str, str]:
    """Modules (with their paragraph counts) to splits, so that each split gets about its share of paragraphs:
    the largest module first, each to the split furthest below its share (the seed orders modules of equal size).

    >>> assign_modules({"a": 6, "b": 2, "c": 1, "d": 1}, seed=0)
    {'a': 'train', 'b': 'validation', 'c': 'test', 'd': 'test'}
    """
    order = sorted(sizes)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda module: -sizes[module])  # stable: equal sizes keep the seeded order
    filled = dict.fromkeys(SPLITS, 0)
    total = sum(sizes.values())
    where = {}
    for module in order:
        split = min(SPLITS, key=lambda name: (filled[name] / total - shares[SPLITS.index(name)], SPLITS.index(name)))
        where[module] = split
        filled[split] += sizes[module]
    return where


def package_paragraphs() -> dict[str, list[str]]:
    """``{top-level package: [paragraph, ...]}`` for the packages of some topic; a paragraph found in several
    modules is kept once, under the first (sorted) module."""
    seen: set[str] = set()
    by_package: dict[str, list[str]] = defaultdict(list)
    for module, paragraphs in sorted(module_paragraphs().items()):
        if topic_of(module) is None:
            continue
        for paragraph in paragraphs:
            key = " ".join(paragraph.casefold().split())
            if key not in seen:  # a paragraph shared by two modules is kept once, under the first
                seen.add(key)
                by_package[module.split(".")[0]].append(paragraph)
    return dict(by_package)


def package_splits(seed: int = 0) -> dict[str, str]:
    """``{top-level package: split}``: the task's split of every package, topic by topic (``assign_modules``)."""
    by_package = package_paragraphs()
    where = {}
    for modules in TOPICS.values():
        where.update(assign_modules({module: len(by_package[module]) for module in modules
                                     if by_package.get(module)}, seed))
    return where


def pydocs_topic(seed: int = 0) -> TaskData:
    """The task: paragraphs labelled by topic, split by top-level module within each topic, balanced per split."""
    by_package = package_paragraphs()
    where = package_splits(seed)
    rows: dict[str, dict[str, list[tuple[str, str]]]] = {name: defaultdict(list) for name in SPLITS}
    for module, split in where.items():
        rows[split][TOPIC_OF_MODULE[module]] += [(paragraph, module) for paragraph in by_package[module]]
    labels = list(TOPICS)
    splits = {}
    for name in SPLITS:
        smallest = min(len(rows[name][topic]) for topic in labels)
        kept = []
        for topic in labels:
            members = list(rows[name][topic])
            random.Random(f"{seed}:{name}:{topic}").shuffle(members)
            kept += [(paragraph, labels.index(topic), module) for paragraph, module in members[:smallest]]
        random.Random(f"{seed}:{name}").shuffle(kept)
        splits[name] = Examples([k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept])
    return TaskData("pydocs-topic", "sequence", labels, splits,
                    "Which part of the standard library does this documentation paragraph describe?")


def adaptation_paragraphs(task: TaskData, seed: int = 0) -> list[str]:
    """Unlabelled pydocs paragraphs for domain-adaptive pretraining before ``task``: every walked module's paragraphs
    except those of the modules in the task's validation and test splits (so the test text is never seen, not even
    without its label, even where another module repeats it); ``seed`` is the task's.

    >>> task = pydocs_topic()
    >>> held_out = {m.split(".")[0] for name in ("validation", "test") for m in task.splits[name].groups}
    >>> bool(set(adaptation_paragraphs(task)) & set(task.splits["test"].texts))
    False
    """
    held_out = {module.split(".")[0] for name in ("validation", "test") for module in task.splits[name].groups}
    held_out |= {module for module, split in package_splits(seed).items() if split != "train"}  # kept or not
    seen = {near_copy_key(text) for name in ("validation", "test") for text in task.splits[name].texts}
    paragraphs = []
    for module, found in sorted(module_paragraphs().items()):
        if module.split(".")[0] in held_out:
            continue
        for paragraph in found:
            key = near_copy_key(paragraph)  # also drops (near-)copies of held-out text in other modules
            if key not in seen:
                seen.add(key)
                paragraphs.append(paragraph)
    return paragraphs


def general_and_domain(domain: str = "internet", seed: int = 0, packages: bool = False
                       ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Text for a *general* documentation model and for one *domain* it has never read, both leakage-free for
    the ``pydocs_topic(seed)`` task: ``(general, domain_text)``, each ``{"train": [...], "validation": [...],
    "test": [...]}``.

    - ``general``: :func:`adaptation_paragraphs` (every module except the task's validation and test modules) without
      any paragraph (or near-copy of one) of the ``domain`` topic's modules; split 90/5/5 by a stable hash of each
      paragraph (:func:`mlmcourse.corpora.pydocs.split_of`). With ``packages``, the docstrings of the course's
      installed packages come first (:mod:`mlmcourse.corpora.pkgdocs`, more than ten times as much text), less any
      paragraph (or near-copy) that the domain or the task's validation and test splits contain.
    - ``domain_text``: every paragraph of the ``domain`` topic's modules, each split from the modules of the task's
      split of that name (so the domain's test text is the task's test text: never train on it).

    The general model then shares the domain's language (Python documentation English) but not its subject: the
    setting in which adapting to a domain pays (Gururangan et al. 2020).

    >>> task = pydocs_topic()
    >>> general, internet = general_and_domain("internet")
    >>> bool(set(general["train"]) & set(internet["train"] + internet["validation"] + task.splits["test"].texts))
    False
    """
    from mlmcourse.corpora.pydocs import split_of
    from mlmcourse.errors import CourseError

    if domain not in TOPICS:
        raise CourseError(f"unknown domain {domain!r}: pick one of the pydocs-topic topics: {', '.join(TOPICS)}")
    task = pydocs_topic(seed)
    by_package = package_paragraphs()
    where = package_splits(seed)
    domain_text = {name: [paragraph for module in TOPICS[domain] if where.get(module) == name
                          for paragraph in by_package[module]] for name in SPLITS}
    avoid = {near_copy_key(text) for module, texts in module_paragraphs().items()
             if topic_of(module) == domain for text in texts}  # what any domain module says, shared or not
    avoid |= {near_copy_key(text) for name in ("validation", "test") for text in task.splits[name].texts}
    general: dict[str, list[str]] = {name: [] for name in SPLITS}
    if packages:
        from mlmcourse.corpora.pkgdocs import pkgdocs_paragraphs

        for paragraph in pkgdocs_paragraphs():
            key = near_copy_key(paragraph)
            if key not in avoid:
                avoid.add(key)  # (and not again from pydocs below)
                general[split_of(paragraph, seed)].append(paragraph)
    for paragraph in adaptation_paragraphs(task, seed):  # no validation or test module of the task
        if near_copy_key(paragraph) not in avoid:  # nor any paragraph of the domain, test split's too
            general[split_of(paragraph, seed)].append(paragraph)
    return general, domain_text


PARTS = ("general", "general-and-packages", *(topic.replace(" ", "-") for topic in TOPICS))


def load_part(part: str, *, domain: str = "internet"):
    """``load_corpus("pydocs-general")`` / ``load_corpus("pydocs-internet")`` (any topic, spaces as hyphens): the
    text of :func:`general_and_domain` as a ``DatasetDict``. ``general`` leaves out ``domain``'s modules;
    ``general-and-packages`` adds the installed packages' docstrings (the course's general documentation model).
    The parts always follow the task's split of seed 0 (a training seed must not move the held-out modules)."""
    from mlmcourse.corpora import splits_to_dataset_dict
    from mlmcourse.errors import CourseError

    if part not in PARTS:
        raise CourseError(f"unknown pydocs part {part!r}: try one of " + ", ".join(f"pydocs-{name}" for name in PARTS))
    is_general = part.startswith("general")
    general, domain_text = general_and_domain(domain if is_general else part.replace("-", " "),
                                              packages=part == "general-and-packages")
    return splits_to_dataset_dict(general if is_general else domain_text)
