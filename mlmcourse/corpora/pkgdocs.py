"""The "pkgdocs" corpus: documentation English from the docstrings of the packages a course install brings.

What it teaches: a *general* corpus is a broad mix. Python's own documentation (pydocs) has about 150,000 words: too
few for a model to learn much of the language of technical English. The packages every learner of this course has
installed (torch, transformers, numpy, matplotlib, datasets, ...) carry about 1.6 million more words of it in
their docstrings (with the versions of December 2026), on every subject from tensors to fonts. A model pretrained on that mix shares the *language* of
pydocs without having read its subjects: the setting in which domain-adaptive pretraining pays (notebook 08).

What it simplifies: the source files are parsed, never imported (``ast``: no side effects, no optional
dependencies needed), and only docstrings are read, cleaned by pydocs' rules
(:func:`mlmcourse.corpora.pydocs.clean_document`); test, vendored and example folders are skipped. The text depends on the installed versions, which the cache's name
records.

Production twin: the "code and documentation" slices of general pretraining corpora (The Pile's GitHub and
StackExchange parts), built by the same filter-dedup-split steps.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from mlmcourse import config
from mlmcourse.atomic import write_cache_json
from mlmcourse.corpora.pydocs import CLEANER_VERSION, clean_document

# The course's dependencies and the packages they install with them (a package not installed is skipped).
PACKAGES = ("torch", "transformers", "datasets", "huggingface_hub", "accelerate", "safetensors", "tokenizers",
            "numpy", "matplotlib", "tqdm", "ipywidgets", "IPython", "jupyterlab", "jupyter_server", "pandas",
            "sympy", "networkx", "jinja2", "fsspec", "pyarrow", "tornado", "traitlets", "nbformat", "packaging")
# Bump when the way files are found or read changes, so cached paragraph lists are rebuilt.
READER_VERSION = 2
SKIPPED_FOLDERS = frozenset({"test", "tests", "testing", "_vendor", "vendored", "benchmarks", "examples"})


def package_files(package: str) -> list[Path]:
    """The package's ``.py`` files, sorted, without test, vendored and example folders; [] when not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations is None:  # a single-file module
        return [Path(spec.origin)] if spec.origin and spec.origin.endswith(".py") else []
    files = []
    for root in map(Path, spec.submodule_search_locations):
        files += [path for path in root.rglob("*.py")
                  if not SKIPPED_FOLDERS & set(path.relative_to(root).parts[:-1])]
    return sorted(files)


def file_docstrings(path: Path) -> Iterator[str]:
    """The docstrings of a source file: the module's first, then its classes' and functions' (``ast.walk`` order)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old files
            tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield docstring


def installed_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """``{package: version}`` of the installed ones (what the cache's name and a model card record)."""
    versions = {}
    for package in packages:
        try:
            found = importlib.util.find_spec(package) is not None
        except (ImportError, ValueError):
            found = False
        if found:
            try:
                versions[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                versions[package] = "unknown"
    return versions


def build_paragraphs(packages: tuple[str, ...] = PACKAGES, progress: bool = True) -> list[str]:
    """Clean, deduplicate (case and spacing ignored) and sort every prose paragraph of the packages' docstrings."""
    from mlmcourse.progress import tqdm

    unique: dict[str, str] = {}
    for package in tqdm(packages, desc="pkgdocs: reading docstrings", disable=not progress):
        for path in package_files(package):
            for docstring in file_docstrings(path):
                for paragraph in clean_document(docstring):
                    unique.setdefault(" ".join(paragraph.casefold().split()), paragraph)
    return sorted(unique.values())


def pkgdocs_paragraphs(packages: tuple[str, ...] = PACKAGES, use_cache: bool = True,
                       progress: bool = True) -> list[str]:
    """The cleaned paragraphs (built once, about a minute on 2 cores for the full list, then read from the cache;
    the cache's name holds the packages' versions, so an upgrade rebuilds it)."""
    versions = installed_versions(packages)
    python = ".".join(map(str, sys.version_info[:3]))
    key = hashlib.sha256(json.dumps([versions, python, CLEANER_VERSION, READER_VERSION]).encode()).hexdigest()[:16]
    path = config.cache_dir() / f"pkgdocs-{key}.json"
    if use_cache and path.exists():
        with contextlib.suppress(OSError, ValueError):
            return json.loads(path.read_text(encoding="utf-8"))
    paragraphs = build_paragraphs(packages, progress)
    if use_cache:
        write_cache_json(path, paragraphs)
    return paragraphs
