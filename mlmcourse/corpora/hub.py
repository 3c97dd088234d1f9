"""Hugging Face Hub datasets (e.g. WikiText-2), with a fast, clear failure when there is no network.

What it teaches: real corpora live on the Hub, and code that may run offline (a train, a workshop room, CI) must
say at once what to use instead, not hang on a connection for minutes.

What it simplifies: one text column is kept and renamed ``text``; empty lines are dropped; a missing validation or
test split is cut from train (seeded). Only the checks before ``datasets.load_dataset`` are the course's own.
Production twin: ``datasets.load_dataset(path, name)`` with ``HF_DATASETS_OFFLINE`` / ``HF_HUB_OFFLINE``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from mlmcourse import config
from mlmcourse.config import hub_reachable
from mlmcourse.errors import CourseError

if TYPE_CHECKING:
    import datasets

# Short names the course accepts for well-known corpora -> (Hub repository, configuration).
HUB_ALIASES: dict[str, tuple[str, str | None]] = {
    "wikitext-2-raw-v1": ("Salesforce/wikitext", "wikitext-2-raw-v1"),
    "wikitext-2-v1": ("Salesforce/wikitext", "wikitext-2-v1"),
    "wikitext-103-raw-v1": ("Salesforce/wikitext", "wikitext-103-raw-v1"),
    "wikitext-103-v1": ("Salesforce/wikitext", "wikitext-103-v1"),
}
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

PROBE_TIMEOUT_S = 2.0

OFFLINE_ALTERNATIVES = (
    "Offline alternatives: load_corpus('toyworld') (the course's generated language), load_corpus('pydocs') "
    "(English prose from Python's documentation), or your own text: load_corpus('path/to/file.txt')."
)


def resolve_hub_name(name: str) -> tuple[str, str | None] | None:
    """(repository, configuration) for a Hub-looking name, or None when it does not look like one.

    >>> resolve_hub_name("wikitext-2-raw-v1"), resolve_hub_name("owner/corpus"), resolve_hub_name("wiki")
    (('Salesforce/wikitext', 'wikitext-2-raw-v1'), ('owner/corpus', None), None)
    """
    if name in HUB_ALIASES:
        return HUB_ALIASES[name]
    if _REPO_ID.match(name):
        return name, None
    return None


def cache_folders(repo_id: str) -> list[Path]:
    """Where ``datasets`` / ``huggingface_hub`` would keep a downloaded copy of ``repo_id``.

    Read from ``HF_HUB_CACHE``, ``HF_DATASETS_CACHE`` or ``HF_HOME`` as they are now.
    """
    hf_home = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")).expanduser()
    hub_cache = Path(os.environ.get("HF_HUB_CACHE", hf_home / "hub")).expanduser()
    datasets_cache = Path(os.environ.get("HF_DATASETS_CACHE", hf_home / "datasets")).expanduser()
    short = repo_id.split("/")[-1]
    return [
        hub_cache / f"datasets--{repo_id.replace('/', '--')}",
        datasets_cache / repo_id.replace("/", "___"),
        datasets_cache / short,  # older `datasets` kept canonical datasets under their short name
    ]


def is_cached(repo_id: str) -> bool:
    return any(folder.is_dir() for folder in cache_folders(repo_id))


def load_hub(name: str, *, seed: int = 0, config_name: str | None = None,
             text_column: str = "text") -> datasets.DatasetDict:
    """A Hub dataset as ``train`` / ``validation`` / ``test`` with a ``text`` column.

    Offline (``HF_DATASETS_OFFLINE`` / ``HF_HUB_OFFLINE``) and not cached: ``CourseError`` at once. Online flags
    unset but huggingface.co unreachable within 2 s: the same error. It never waits on the network longer.
    """
    resolved = resolve_hub_name(name)
    if resolved is None:
        raise CourseError(f"{name!r} is not a Hub dataset name; use 'owner/name' or one of {sorted(HUB_ALIASES)}")
    repo_id, alias_config = resolved
    config_name = config_name or alias_config
    if config.hub_offline():
        if not is_cached(repo_id):
            raise CourseError(
                f"{name!r} is a Hugging Face Hub dataset, but offline mode is on (HF_HUB_OFFLINE / "
                f"HF_DATASETS_OFFLINE) and no downloaded copy is in the cache ({cache_folders(repo_id)[0].parent}). "
                f"{OFFLINE_ALTERNATIVES} To use it later, run once with network and the offline variables unset: "
                f"it is cached then. (If you meant a local folder {name!r}: it does not exist.)"
            )
    elif not hub_reachable(timeout=PROBE_TIMEOUT_S):
        raise CourseError(
            f"{name!r} is a Hugging Face Hub dataset, but huggingface.co cannot be reached (no answer within "
            f"{PROBE_TIMEOUT_S:.0f} s). {OFFLINE_ALTERNATIVES} If it is already downloaded, set HF_DATASETS_OFFLINE=1 "
            f"before starting Python to read the cached copy."
        )
    import datasets

    try:
        loaded = datasets.load_dataset(repo_id, config_name)
    except Exception as error:  # network, missing config, gated repo: one readable message, the cause attached
        raise CourseError(f"could not load {name!r} ({repo_id}, config {config_name}) from the Hub: "
                          f"{type(error).__name__}: {error}. {OFFLINE_ALTERNATIVES}") from error
    return standardize_splits(loaded, text_column=text_column, seed=seed)


def standardize_splits(loaded: datasets.DatasetDict, *, text_column: str = "text",
                       seed: int = 0) -> datasets.DatasetDict:
    """Keep ``text_column`` as ``text``, drop empty lines, and make sure train / validation / test all exist."""
    import datasets

    from mlmcourse.corpora import SPLITS, holdout_split

    if "train" not in loaded:
        raise CourseError(f"the dataset has no 'train' split (it has {sorted(loaded)}); pick another dataset")
    columns = loaded["train"].column_names
    if text_column not in columns:
        raise CourseError(f"the dataset has no column {text_column!r}; its columns are {columns}: "
                          f"pass text_column=... naming the one with the text")
    splits = {}
    for split_name, split in loaded.items():
        split = split.select_columns([text_column])
        if text_column != "text":
            split = split.rename_column(text_column, "text")
        splits[split_name] = split.filter(lambda text: bool(text.strip()), input_columns="text")
    if "validation" not in splits or "test" not in splits:
        # Cut the missing split(s) from train; a shipped validation or test split is still the one used.
        carved = holdout_split(splits["train"], seed)
        splits["train"] = carved["train"]
        splits.setdefault("validation", carved["validation"])
        splits.setdefault("test", carved["test"])
    return datasets.DatasetDict({name: splits[name] for name in SPLITS})
