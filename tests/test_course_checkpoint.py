"""The course checkpoint ``data/models/course-tiny/``: what the course promises about the model it ships.

It answers the task's own examples through Hugging Face's ``pipeline("fill-mask")`` (capitals as written: the
course tokenizer lowercases), our ``fill_mask`` gives the pipeline's records on it, the folder is small and
carries a model card with its recipe, and the command line answers from it.

Nothing here is skipped: a missing checkpoint is a failure that says how to create it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _eval_fixtures import one_torch_thread

from mlmcourse.config import REPO_DIR
from mlmcourse.inference import course_checkpoint_dir, fill_mask, load_model, normalize_mask

MAX_FOLDER_BYTES = 20 * 1024 * 1024
TASK_EXAMPLES = [("The <mask> barked at me.", "dog"), ("Paris is the <mask> of France.", "capital")]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def require_checkpoint() -> Path:
    """The checkpoint folder, or a test failure (never a skip) that says how to create it."""
    folder = course_checkpoint_dir()
    missing = [name for name in ("config.json", "model.safetensors", "tokenizer.json") if not (folder / name).is_file()]
    if missing:
        pytest.fail(f"the course checkpoint {folder} is missing {', '.join(missing)}. Create it with the README's "
                    "recipe: `mlmcourse train --corpus toyworld --preset tiny ... --out runs/course-tiny "
                    "--export data/models/course-tiny` (--export also writes the model card, README.md).")
    return folder


@functools.cache
def _pipeline(folder: Path):
    from transformers import pipeline

    return pipeline("fill-mask", model=str(folder))


@functools.cache
def _ours(folder: Path):
    return load_model(folder)


def assert_same_records(ours, theirs, where: str = "result") -> None:
    """Same nesting, tokens, strings and sequences; scores within 1e-5 (two implementations, one network)."""
    assert type(ours) is type(theirs), where
    if isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for index, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
            assert_same_records(mine, reference, f"{where}[{index}]")
        return
    for key in ("token", "token_str", "sequence"):
        assert ours[key] == theirs[key], f"{where}: {key} {ours[key]!r} != {theirs[key]!r}"
    assert ours["score"] == pytest.approx(theirs["score"], abs=1e-5), where


def test_folder_is_a_small_safe_hugging_face_model():
    folder = require_checkpoint()
    files = [path for path in folder.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    assert size <= MAX_FOLDER_BYTES, f"{folder} holds {size / 2**20:.1f} MB; the course promises <= 20 MB"
    pickles = [path.name for path in files if path.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt")]
    assert pickles == [], f"pickled files in the checkpoint: {pickles} (safetensors only)"
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["BertForMaskedLM"] and "auto_map" not in config


def test_model_card_records_command_seed_minutes_and_metrics():
    card_path = require_checkpoint() / "README.md"
    assert card_path.is_file(), f"{card_path} (the model card) is missing"
    card = card_path.read_text(encoding="utf-8")
    assert re.search(r"mlmcourse train\b[^\n]*--\w", card), "the card must record the exact `mlmcourse train ...` command"
    assert re.search(r"\bseed\s*[=:]?\s*\d+", card, flags=re.IGNORECASE), "the card must record the seed"
    assert re.search(r"\d+(\.\d+)?\s*minutes", card), "the card must record the training time in minutes"
    for metric in ("loss", "perplexity", "accuracy"):
        assert re.search(rf"{metric}\s*[=:]?\s*\d+(\.\d+)?", card, flags=re.IGNORECASE), \
            f"the card must record the final {metric}"


@pytest.mark.parametrize(("text", "answer"), TASK_EXAMPLES)
def test_pipeline_answers_the_task_examples(text, answer):
    fill = _pipeline(require_checkpoint())
    # The saved tokenizer knows only its own spelling, [MASK]: `<mask>` would be cut into '<', 'mask', '>'.
    assert fill.tokenizer.mask_token == "[MASK]"
    records = fill(normalize_mask(text, fill.tokenizer))
    assert records[0]["token_str"] == answer, [(r["token_str"], round(r["score"], 3)) for r in records]
    assert records[0]["sequence"] == text.lower().replace("<mask>", answer)  # the course tokenizer lowercases
    assert records[0]["score"] > records[1]["score"]


@pytest.mark.parametrize(("texts", "options"), [
    pytest.param("The <mask> barked at me.", {}, id="single-mask"),
    pytest.param(["The <mask> barked at me.", "Paris is the [MASK] of France.", "mary lost her key . <mask> was sad ."],
                 {"top_k": 3}, id="several-texts"),
    pytest.param(["the [MASK] [MASK] heavy .", "the <mask> <mask> at me ."], {"top_k": 4}, id="several-masks"),
    pytest.param("The <mask> barked at me.", {"targets": ["cat", "dog", "fox"]}, id="targets"),
])
def test_fill_mask_equals_the_pipeline(texts, options):
    folder = require_checkpoint()
    fill = _pipeline(folder)
    model, tokenizer = _ours(folder)  # our MaskedLM; the pipeline runs Hugging Face's BertForMaskedLM
    normalized = normalize_mask(texts, fill.tokenizer) if isinstance(texts, str) else \
        [normalize_mask(text, fill.tokenizer) for text in texts]
    assert_same_records(fill_mask(model, tokenizer, texts, **options), fill(normalized, **options))


def test_command_line_answers_dog():
    require_checkpoint()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run(
        [sys.executable, "-m", "mlmcourse.cli", "fill-mask", "The <mask> barked at me.", "--json"],
        capture_output=True, text=True, timeout=60, cwd=REPO_DIR, env=env, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    top = answer["predictions"][0][0][0]  # predictions[text][mask][rank]
    assert top["token_str"] == "dog" and top["sequence"] == "the dog barked at me."


def test_probe_gap_to_the_bayes_floor_meets_the_course_goal():
    """The goal the course sets its checkpoint: within 0.05 nats of the best possible model on the probes.

    The same probes as ``mlmcourse eval --json`` (200 per phenomenon, seed 0). If a retrained checkpoint fails,
    the message lists the phenomena that keep it from the goal.
    """
    from mlmcourse.corpora.toyworld import ToyWorld
    from mlmcourse.metrics.probes import probe_report

    model, tokenizer = _ours(require_checkpoint())
    report = probe_report(model, tokenizer, ToyWorld(), n=200, seed=0, progress=False)
    gaps = {row["phenomenon"]: round(row["gap_nats"], 3) for row in report["per_phenomenon"]}
    assert report["skipped"] == 0 and report["n_probes"] == 200 * len(gaps)
    assert 0 <= report["kl"], report["kl"]  # KL(posterior || model) is never negative
    assert report["gap_nats"] <= 0.05, f"gap {report['gap_nats']:.3f} nats > 0.05; per phenomenon: {gaps}"
