"""The general documentation model ``data/models/docs-general/`` (notebooks 08 and 09).

What the course promises about it: a small safetensors folder with a card that records the exact command; the course
checkpoint's shape and tokenizer (so every comparison with it is like for like); and that it speaks the language of
Python's documentation without having read the internet modules: far better than the toy-world checkpoint on them,
and better on the documentation it did read (the general part's held-out paragraphs) than on the internet ones.

Nothing here is skipped: a missing checkpoint is a failure that says how to create it.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from _eval_fixtures import one_torch_thread, require_model_folder

from mlmcourse.corpora import load_corpus
from mlmcourse.inference import course_checkpoint_dir, load_model
from mlmcourse.metrics import evaluate_mlm

FOLDER_NAME = "docs-general"
N_TEXTS = 120


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def require_checkpoint() -> Path:
    return require_model_folder(FOLDER_NAME, "the command on its card (`mlmcourse train --corpus "
                                "pydocs-general-and-packages --max-steps 4000 ... --export data/models/docs-general`)")


@functools.cache
def _perplexity(folder: str, corpus: str) -> float:
    model, tokenizer = load_model(folder)
    texts = list(load_corpus(corpus)["validation"]["text"])
    lengths = [len(ids) for ids in tokenizer(texts, verbose=False)["input_ids"]]
    texts = [text for text, length in zip(texts, lengths, strict=True) if length <= 64][:N_TEXTS]
    return evaluate_mlm(model, tokenizer, texts, progress=False)["perplexity"]


def test_folder_is_small_safe_and_shares_the_course_checkpoints_shape_and_tokenizer():
    folder = require_checkpoint()
    assert sum(path.stat().st_size for path in folder.iterdir()) <= 10 * 2**20
    assert not [path for path in folder.iterdir() if path.suffix in (".bin", ".pt", ".pkl", ".pickle")]
    config = json.loads((folder / "config.json").read_text())
    course = json.loads((course_checkpoint_dir() / "config.json").read_text())
    for key in ("architectures", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"):
        assert config[key] == course[key], key
    assert (folder / "tokenizer.json").read_bytes() == (course_checkpoint_dir() / "tokenizer.json").read_bytes()
    card = (folder / "README.md").read_text()
    assert re.search(r"mlmcourse train --corpus pydocs-general-and-packages\b", card), "the card records the command"
    assert re.search(r"\d+(\.\d+)?\s*minutes", card), "the card records the training time"


def test_it_speaks_documentation_english_but_has_not_read_the_internet_modules():
    folder = str(require_checkpoint())
    general = _perplexity(folder, "pydocs-general")
    internet = _perplexity(folder, "pydocs-internet")
    toy = _perplexity(str(course_checkpoint_dir()), "pydocs-internet")
    assert internet < 2_000 and toy > 100 * internet, (internet, toy)  # a uniform guess over 6,144 tokens: 6,144
    assert general < 0.9 * internet, (general, internet)  # its own kind of text is clearly easier for it
