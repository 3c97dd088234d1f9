"""`mlmcourse train --languages`, `eval` per language and `fill-mask` in each language, on a tiny model."""

from __future__ import annotations

import json

import pytest
from _eval_fixtures import one_torch_thread

from mlmcourse.cli import main
from mlmcourse.corpora.languages import FILL_MASK_EXAMPLES
from mlmcourse.metrics.report import evaluation_texts, tokenizer_languages

pytestmark = pytest.mark.slow  # trains a tiny model (about 10 s on a shared 2-core CPU)

SMALL = ["--n-texts", "40", "--n-probes", "3", "--n-pairs", "2", "--pll-texts", "4"]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny model trained for three steps on English and Russian toy-world lines, exported."""
    folder = tmp_path_factory.mktemp("multilingual")
    code = main(["train", "--corpus", "toyworld", "--languages", "en,ru", "--n-sentences", "400", "--seq-len", "16",
                 "--no-packing", "--batch-size", "8", "--max-steps", "3", "--warmup-steps", "1", "--eval-every", "3",
                 "--threads", "1", "--no-progress", "--out", str(folder / "run"), "--export", str(folder / "model")])
    assert code == 0
    return folder


def test_train_records_the_languages_and_uses_the_multilingual_tokenizer(exported):
    config = json.loads((exported / "run" / "config.json").read_text())
    assert config["corpus_options"]["languages"] == ["en", "ru"] and config["corpus_options"]["anchors"] == "none"
    vocabulary = json.loads((exported / "model" / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    assert "<ru>" in vocabulary and "столица" in vocabulary and "<fr>" not in vocabulary
    card = (exported / "model" / "README.md").read_text(encoding="utf-8")
    assert "in en, ru" in card and FILL_MASK_EXAMPLES["ru"] in card and "--languages en,ru" in card


def test_eval_json_reports_each_language(exported, capsys):
    assert main(["eval", "--model", str(exported / "model"), "--json", *SMALL]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["languages"] == ["en", "ru"]  # read from the tokenizer's language tags
    assert set(result["per_language"]) == {"en", "ru"}
    for row in result["per_language"].values():
        for key in ("gap_nats", "probe_ce", "bayes_floor", "kl", "probe_accuracy", "perplexity", "minimal_pairs"):
            assert key in row, key
        assert row["gap_nats"] == pytest.approx(row["probe_ce"] - row["bayes_floor"])
        assert row["n_probes"] == 3 * 7 and row["n_texts"] == 20
    overall = sum(row["probe_ce"] * row["n_probes"] for row in result["per_language"].values()) / result["n_probes"]
    assert result["probe_ce"] == pytest.approx(overall)
    assert result["gap_nats"] == pytest.approx(result["probe_ce"] - result["bayes_floor"])
    # languages are independent samples: the overall standard error combines theirs, weighted by probe counts
    combined = sum((row["n_probes"] * row["gap_se"]) ** 2 for row in result["per_language"].values()) ** 0.5
    assert result["gap_se"] == pytest.approx(combined / result["n_probes"])
    assert 0 < result["gap_se"] < max(row["gap_se"] for row in result["per_language"].values())


def test_eval_languages_option_and_table(exported, capsys):
    assert main(["eval", "--model", str(exported / "model"), "--languages", "ru", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "probes per language" in out and "\nru " in out and "\nen " not in out and "overall" in out


def test_fill_mask_answers_in_each_language(exported, capsys):
    texts = [FILL_MASK_EXAMPLES["en"], FILL_MASK_EXAMPLES["ru"].replace("[MASK]", "<mask>")]
    assert main(["fill-mask", "--model", str(exported / "model"), "--json", "--top-k", "3", *texts]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [len(masks) for masks in result["predictions"]] == [1, 1]
    for masks in result["predictions"]:
        assert len(masks[0]) == 3 and all(0 < record["score"] <= 1 for record in masks[0])
    assert main(["fill-mask", "--model", str(exported / "model"), "--json", "--targets", "столица,capital",
                 texts[1]]) == 0
    scored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["predictions"][0][0]
    assert sorted(record["token_str"] for record in scored) == ["capital", "столица"]


def test_evaluation_texts_and_tokenizer_languages():
    from mlmcourse.tokenization.multilingual import multilingual_tokenizer

    texts = evaluation_texts("toyworld", 30, languages=["fr", "de", "ru"])
    assert [sum(text.startswith(f"<{lang}>") for text in texts) for lang in ("fr", "de", "ru")] == [10, 10, 10]
    assert tokenizer_languages(multilingual_tokenizer(["de", "fr"])) == ["fr", "de"]
    from _eval_fixtures import toyworld_tokenizer

    assert tokenizer_languages(toyworld_tokenizer()) == []
