"""The multilingual course checkpoint ``data/models/course-multilingual/``: one small model, four toy-world languages.

What the course promises about it: a small safetensors folder with a model card, a probe gap to each language's
Bayes floor of at most 0.10 nats (the probes of ``mlmcourse eval --json``: 200 per phenomenon, seed 0), and
fill-mask answers in every language, through our ``fill_mask`` and through Hugging Face's pipeline alike.

Nothing here is skipped: a missing checkpoint is a failure that says how to create it.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from _eval_fixtures import one_torch_thread, require_model_folder

from mlmcourse.corpora.languages import FILL_MASK_EXAMPLES
from mlmcourse.inference import fill_mask, load_model

FOLDER_NAME = "course-multilingual"
MAX_FOLDER_BYTES = 20 * 1024 * 1024
LANGUAGES = ("en", "fr", "de", "ru")
CAPITAL = {"en": "capital", "fr": "capitale", "de": "hauptstadt", "ru": "столица"}


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def require_checkpoint() -> Path:
    return require_model_folder(FOLDER_NAME, "the command in the README's checkpoint section (`mlmcourse train "
                                "--corpus toyworld --languages en,fr,de,ru ... --export data/models/course-multilingual`)")


@functools.cache
def _model():
    return load_model(require_checkpoint())


def test_folder_is_small_safe_and_carries_a_card():
    folder = require_checkpoint()
    size = sum(path.stat().st_size for path in folder.iterdir())
    assert size <= MAX_FOLDER_BYTES, f"{folder} holds {size / 2**20:.1f} MB; the course promises <= 20 MB"
    assert not [path for path in folder.iterdir() if path.suffix in (".bin", ".pt", ".pkl", ".pickle")]
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["BertForMaskedLM"] and "auto_map" not in config
    card = (folder / "README.md").read_text()
    assert re.search(r"mlmcourse train\b[^\n]*--languages en,fr,de,ru", card), "the card records the exact command"
    assert re.search(r"\d+(\.\d+)?\s*minutes", card), "the card records the training time"


def test_every_language_is_within_a_tenth_of_a_nat_of_its_bayes_floor():
    from mlmcourse.corpora.multilingual import MultilingualToyWorld
    from mlmcourse.metrics.probes import probe_report

    model, tokenizer = _model()
    world = MultilingualToyWorld(LANGUAGES)
    gaps = {}
    for language in LANGUAGES:
        report = probe_report(model, tokenizer, world.world(language), n=200, seed=0, progress=False)
        assert report["skipped"] == 0, (language, report["skipped"])
        gaps[language] = round(report["gap_nats"], 3)
    assert all(gap <= 0.10 for gap in gaps.values()), f"probe gap per language (goal <= 0.10 nats): {gaps}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_fill_mask_answers_in_each_language_as_the_pipeline_does(language):
    from transformers import pipeline

    model, tokenizer = _model()
    text = FILL_MASK_EXAMPLES[language]  # "<fr> paris est la [MASK] de la france ." ...
    ours = fill_mask(model, tokenizer, text, top_k=3)
    assert ours[0]["token_str"] == CAPITAL[language], [(a["token_str"], round(a["score"], 3)) for a in ours]
    theirs = pipeline("fill-mask", model=str(require_checkpoint()))(text, top_k=3)
    assert [a["token"] for a in ours] == [a["token"] for a in theirs]
    assert ours[0]["score"] == pytest.approx(theirs[0]["score"], abs=1e-5)
