"""Corpora: where the course's text comes from, always as ``train`` / ``validation`` / ``test`` splits.

``load_corpus(name_or_path)`` is the one entry point the notebooks use. It knows four kinds of source:

- ``"toyworld"``: a generated English-like language whose generative process is known exactly
  (``mlmcourse.corpora.toyworld``), so the best possible prediction of a masked word can be computed; with
  ``languages="en,fr,de,ru"`` the same world in several languages (``mlmcourse.corpora.multilingual``);
- ``"pydocs"``: real English prose from the running Python's documentation (``mlmcourse.corpora.pydocs``);
  ``"pydocs-general"`` and ``"pydocs-internet"`` (or another topic) are parts of it; the general part shares no
  module with the held-out topic (internet), for domain adaptation (:func:`mlmcourse.finetune.pydocs_topic.general_and_domain`);
- a local ``.txt`` file, a folder of them or a glob: your own domain text (``mlmcourse.corpora.local``);
- a Hugging Face Hub dataset such as ``"wikitext-2-raw-v1"`` (``mlmcourse.corpora.hub``), which needs the network
  or a cached copy and otherwise fails at once with a message naming the offline alternatives.

What it simplifies: every corpus is one ``text`` column of lines or paragraphs; no document structure is kept.
Production twin: ``datasets.load_dataset`` returning a ``DatasetDict``, as in Hugging Face's ``run_mlm.py``.
Importing this package is cheap: ``datasets`` is imported only when a corpus is loaded.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlmcourse.corpora import hub, local
from mlmcourse.corpora.pydocs import load_pydocs, pydocs_paragraphs
from mlmcourse.corpora.stats import (
    plot_lengths,
    plot_zipf,
    split_summary,
    unigram_entropy,
    word_counts,
    zipf_table,
)
from mlmcourse.errors import CourseError

if TYPE_CHECKING:
    import datasets

SPLITS = ("train", "validation", "test")

# Validation and test toy-world sentences come from seeds far from the training seed, so that seed=1 for a
# second run does not reuse the first run's validation sentences as training data.
VALIDATION_SEED_OFFSET = 1_000_003
TEST_SEED_OFFSET = 2_000_006

__all__ = [
    "SPLITS", "MultilingualToyWorld", "ToyWorld", "load_corpus", "plot_lengths", "plot_zipf", "pydocs_paragraphs",
    "split_summary", "splits_to_dataset_dict", "unigram_entropy", "word_counts", "zipf_table",
]


def __getattr__(name: str) -> Any:
    # ToyWorld is imported on first use, so `import mlmcourse.corpora` stays cheap.
    if name == "ToyWorld":
        from mlmcourse.corpora.toyworld import ToyWorld

        return ToyWorld
    if name == "MultilingualToyWorld":
        from mlmcourse.corpora.multilingual import MultilingualToyWorld

        return MultilingualToyWorld
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def splits_to_dataset_dict(splits: dict[str, list[str]]) -> datasets.DatasetDict:
    """Lists of texts per split -> a ``DatasetDict`` with one ``text`` column, splits in the usual order."""
    import datasets

    return datasets.DatasetDict(
        {name: datasets.Dataset.from_dict({"text": list(splits[name])}) for name in SPLITS}
    )


def holdout_split(dataset: datasets.Dataset, seed: int) -> datasets.DatasetDict:
    """Shuffle with ``seed`` and cut 90% train, 5% validation, 5% test (at least one row each).

    Mirrors ``Dataset.train_test_split`` used twice, as Hugging Face's examples do for corpora without a
    validation split. Needs at least 3 rows.
    """
    import datasets

    if dataset.num_rows < 3:
        raise CourseError(f"a corpus needs at least 3 non-empty lines to make train/validation/test splits, "
                          f"got {dataset.num_rows}; add more text")
    held_out = max(2, round(dataset.num_rows * 0.10))
    first = dataset.train_test_split(test_size=held_out, seed=seed)
    second = first["test"].train_test_split(test_size=held_out // 2, seed=seed)
    return datasets.DatasetDict({"train": first["train"], "validation": second["train"], "test": second["test"]})


def load_toyworld(*, seed: int = 0, n_sentences: int | None = None, languages: str | list[str] | None = None,
                  anchors: str = "none", shares: dict[str, float] | None = None,
                  alpha: float = 1.0) -> datasets.DatasetDict:
    """Toy-world sentences: ``n_sentences`` for training, about 5% as many each for validation and test.

    With ``languages`` (e.g. ``"en,fr"``) the lines come from the multilingual toy world, each starting with its
    language tag; ``anchors``, ``shares`` and ``alpha`` then say how names are spelled, how much data each language
    has and how languages are sampled (:func:`mlmcourse.corpora.language_sampling.load_multilingual_toyworld`).
    """
    from mlmcourse.config import pick
    from mlmcourse.corpora.toyworld import ToyWorld

    if n_sentences is None:
        n_sentences = pick(smoke=2_000, full=200_000)
    if isinstance(n_sentences, bool) or not isinstance(n_sentences, int) or n_sentences < 1:
        raise CourseError(f"n_sentences must be a positive whole number, got {n_sentences!r}; try n_sentences=2_000")
    if languages is not None:
        from mlmcourse.corpora.language_sampling import load_multilingual_toyworld

        return splits_to_dataset_dict(load_multilingual_toyworld(languages, n_sentences, seed, anchors=anchors,
                                                                 shares=shares, alpha=alpha))
    if anchors != "none" or shares is not None or alpha != 1.0:
        raise CourseError("the options anchors, shares and alpha need languages=..., e.g. "
                         "load_corpus('toyworld', languages='en,fr', alpha=0.3)")
    held_out = max(1, round(n_sentences * 0.05))
    world = ToyWorld()
    return splits_to_dataset_dict({
        "train": world.generate(n_sentences, seed=seed),
        "validation": world.generate(held_out, seed=seed + VALIDATION_SEED_OFFSET),
        "test": world.generate(held_out, seed=seed + TEST_SEED_OFFSET),
    })


def _load_pydocs_part(part: str, *, seed: int = 0) -> datasets.DatasetDict:
    """A part of pydocs. ``seed`` (a training run's) is ignored on purpose: the parts are cut along the pydocs-topic
    task's split of seed 0, and another seed would move that task's test modules into the general text."""
    from mlmcourse.finetune.pydocs_topic import load_part

    return load_part(part)


def _loader_for(name_or_path: str) -> tuple[Callable[..., datasets.DatasetDict], str]:
    """Which loader handles ``name_or_path`` and what it calls the source (for error messages)."""
    builtin = {"toyworld": (load_toyworld, "the toy world"), "pydocs": (load_pydocs, "pydocs")}
    if name_or_path.lower() in builtin:
        return builtin[name_or_path.lower()]
    if local.looks_like_path(name_or_path):
        return functools.partial(local.load_local, name_or_path), "a local text corpus"
    if name_or_path.lower().startswith("pydocs-"):  # a part of pydocs: "pydocs-general", "pydocs-internet", ...
        return functools.partial(_load_pydocs_part, name_or_path.lower().removeprefix("pydocs-")), "pydocs"
    if hub.resolve_hub_name(name_or_path) is not None:
        return functools.partial(hub.load_hub, name_or_path), "a Hub dataset"
    raise CourseError(
        f"unknown corpus {name_or_path!r}: it is not a built-in corpus, not an existing file or folder, and does not "
        f"look like a Hub dataset. Try load_corpus('toyworld'), load_corpus('pydocs'), a path to your own text "
        f"(e.g. 'notes.txt', 'my_folder/', 'texts/*.txt'), or a Hub name such as 'wikitext-2-raw-v1' or 'owner/name' "
        f"(working directory: {Path.cwd()})"
    )


_OPTIONS = {
    "the toy world": ("n_sentences", "languages", "anchors", "shares", "alpha"),
    "pydocs": (),
    "a local text corpus": (),
    "a Hub dataset": ("config_name", "text_column"),
}


def load_corpus(name_or_path: str | os.PathLike[str], *, seed: int = 0, **options: Any) -> datasets.DatasetDict:
    """Load a corpus as a ``DatasetDict`` with ``train``, ``validation`` and ``test`` splits and a ``text`` column.

    ``name_or_path`` is ``"toyworld"`` (options ``n_sentences``; ``languages``, ``anchors``, ``shares``, ``alpha`` for
    the multilingual toy world), ``"pydocs"`` or a part of it (``"pydocs-general"``, ``"pydocs-internet"``, ...:
    :func:`mlmcourse.finetune.pydocs_topic.load_part`), a local ``.txt`` file / folder / glob,
    or a Hub dataset name (options ``config_name``, ``text_column``). The same ``seed`` gives the same splits.

    >>> corpus = load_corpus("toyworld", n_sentences=100)  # doctest: +SKIP
    >>> corpus["train"].num_rows, corpus["validation"].num_rows, corpus["train"][0]["text"].endswith(" .")  # doctest: +SKIP
    (100, 5, True)
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"load_corpus expects a corpus name or a path, got {type(name_or_path).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise CourseError(f"seed must be a whole number, got {seed!r}")
    name = os.fspath(name_or_path).strip()
    if not name:
        raise CourseError("load_corpus got an empty name; try load_corpus('toyworld') or load_corpus('pydocs')")
    loader, kind = _loader_for(name)
    unexpected = sorted(set(options) - set(_OPTIONS[kind]))
    if unexpected:
        allowed = ", ".join(_OPTIONS[kind]) or "none besides seed"
        raise CourseError(f"{kind} does not take the option(s) {', '.join(unexpected)}; its options: {allowed}")
    return loader(seed=seed, **options)

