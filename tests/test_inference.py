"""fill_mask against pipeline("fill-mask"): same records, nesting, sequences; errors a learner can act on."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from _eval_fixtures import one_torch_thread, save_tiny_checkpoint, tiny_tokenizer

from mlmcourse.cli import CourseError, main
from mlmcourse.inference import fill_mask, load_model, normalize_mask, softmax_top_k, target_token_ids
from mlmcourse.inference.cli import format_table
from mlmcourse.inference.logits import max_positions
from mlmcourse.padding import pad_rows

TEXTS = [
    "the [MASK] barked at me .",
    "paris is the [MASK] of france .",
    "the [MASK] sat on [MASK] mat .",
    "[MASK] lost her key . she was sad .",
    "the doctor works at the [MASK] .",
]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_tiny_checkpoint(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def pipe(checkpoint):
    from transformers import pipeline

    return pipeline("fill-mask", model=str(checkpoint))


@pytest.fixture(scope="module", params=["transformers", "ours", "numpy"])
def model_and_tokenizer(request, pipe, checkpoint):
    """The same weights three ways: Hugging Face's model, our MaskedLM, and the NumPy engine."""
    if request.param == "transformers":
        return pipe.model, pipe.tokenizer
    return load_model(checkpoint, engine="torch" if request.param == "ours" else "numpy")


def assert_same_records(ours, theirs, where="result"):
    """Same nesting, same tokens / strings / sequences, scores within 1e-5."""
    assert type(ours) is type(theirs), where
    if isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for index, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
            assert_same_records(mine, reference, f"{where}[{index}]")
        return
    assert set(ours) == {"score", "token", "token_str", "sequence"}, where
    assert ours["token"] == theirs["token"] and isinstance(ours["token"], int), where
    assert ours["token_str"] == theirs["token_str"], where
    assert ours["sequence"] == theirs["sequence"], where
    assert ours["score"] == pytest.approx(theirs["score"], abs=1e-5), where


# --- the pure helpers (docstring examples) ---------------------------------------------------------------

def test_normalize_mask_docstring_examples():
    assert normalize_mask("The <mask> barked at me.", "[MASK]") == "The [MASK] barked at me."
    assert normalize_mask("Paris is the [MASK] of France.", "<mask>") == "Paris is the <mask> of France."
    assert normalize_mask("a [mask] and a <MASK>", "[MASK]") == "a [MASK] and a [MASK]"


def test_normalize_mask_uses_the_tokenizers_spelling():
    assert normalize_mask("The <mask> barked.", tiny_tokenizer()) == "The [MASK] barked."


def test_normalize_mask_without_mask_names_the_text_and_the_fix():
    with pytest.raises(ValueError, match=r"no mask token found in 'Paris is the capital'.*<mask> or \[MASK\]"):
        normalize_mask("Paris is the capital", "[MASK]")


def test_normalize_mask_rejects_a_tokenizer_without_mask_token():
    from types import SimpleNamespace

    with pytest.raises(ValueError, match="no mask token"):
        normalize_mask("The <mask> barked.", SimpleNamespace(mask_token=None))


def test_softmax_top_k_docstring_example():
    scores, ids = softmax_top_k(np.log(np.array([[0.1, 0.6, 0.3]], dtype=np.float32)), top_k=2)
    assert scores.astype(float).round(3).tolist() == [[0.6, 0.3]]
    assert ids.tolist() == [[1, 2]]


def test_softmax_top_k_with_candidates_and_large_k():
    logits = np.log(np.array([[0.1, 0.2, 0.3, 0.4]], dtype=np.float32))
    scores, ids = softmax_top_k(logits, top_k=10, candidate_ids=[0, 2])  # k is capped at the candidates
    assert ids.tolist() == [[2, 0]]
    np.testing.assert_allclose(scores, [[0.3, 0.1]], rtol=1e-6)


def test_target_token_ids_docstring_example():
    from types import SimpleNamespace

    tokenizer = SimpleNamespace(get_vocab=lambda: {"dog": 7, "cat": 9})
    assert target_token_ids(tokenizer, ["dog", "cat", "dog"]) == [9, 7]


def test_max_positions_docstring_example():
    from types import SimpleNamespace

    model = SimpleNamespace(config=SimpleNamespace(max_position_embeddings=512))
    assert max_positions(model, SimpleNamespace(model_max_length=10**30)) == 512
    assert max_positions(model, SimpleNamespace(model_max_length=128)) == 128


def test_pad_rows_docstring_example():
    assert pad_rows([[5, 6, 7], [8]], pad_value=0).tolist() == [[5, 6, 7], [8, 0, 0]]


def test_format_table_docstring_example():
    table = format_table("the [MASK] barked .", [[{"token_str": "dog", "score": 0.5}]])
    assert table.splitlines() == [
        "the [MASK] barked .",
        "  rank  token           probability",
        "     1  dog                  0.5000  ████████████",
    ]


def test_every_row_of_the_table_has_a_bar_even_at_probability_zero():
    from mlmcourse.inference.cli import probability_bar

    records = [{"token_str": "dog", "score": 0.8464}, {"token_str": "cat", "score": 0.0007},
               {"token_str": "paris", "score": 0.0}]
    rows = format_table("the [MASK] barked .", [records]).splitlines()[2:]
    bars = [row.split("  ")[-1] for row in rows]
    assert bars == ["████████████████████▍", "▏", "▏"]  # 0.8464 x 24 = 20 3/8 blocks; zero is a hairline
    assert [len(probability_bar(step / 8 / 24)) for step in range(9)] == [1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert probability_bar(1.5) == "█" * 24 and probability_bar(-0.1) == "▏"


# --- equal to the pipeline ---------------------------------------------------------------------------------

def test_single_mask_equals_pipeline(model_and_tokenizer, pipe):
    model, tokenizer = model_and_tokenizer
    for text in TEXTS[:2] + TEXTS[3:]:
        assert_same_records(fill_mask(model, tokenizer, text), pipe(text))


def test_several_masks_give_one_list_per_mask(model_and_tokenizer, pipe):
    model, tokenizer = model_and_tokenizer
    ours = fill_mask(model, tokenizer, TEXTS[2], top_k=4)
    assert len(ours) == 2 and all(len(per_mask) == 4 for per_mask in ours)
    assert "[MASK]" in ours[0][0]["sequence"]  # the other mask stays in the sequence, as in the pipeline
    assert_same_records(ours, pipe(TEXTS[2], top_k=4))


def test_several_texts_batched_equal_pipeline(model_and_tokenizer, pipe):
    model, tokenizer = model_and_tokenizer
    # batch_size 2 pads texts of different lengths together and splits them over three batches
    assert_same_records(fill_mask(model, tokenizer, TEXTS, top_k=3, batch_size=2), pipe(TEXTS, top_k=3))
    assert_same_records(fill_mask(model, tokenizer, TEXTS[:1]), pipe(TEXTS[:1]))  # a list of one: unwrapped


def test_targets_equal_pipeline_and_warn_outside_vocabulary(model_and_tokenizer, pipe):
    model, tokenizer = model_and_tokenizer
    targets = ["dog", "cat", "me", "zzzq"]
    with pytest.warns(UserWarning, match="`zzzq` does not exist in the model vocabulary"):
        ours = fill_mask(model, tokenizer, TEXTS, top_k=10, targets=targets)
    assert all(len(records) == 4 for records in [ours[0], ours[1], ours[3]])  # top_k capped at 4 targets
    assert_same_records(ours, pipe(TEXTS, top_k=10, targets=targets))


def test_padding_token_as_a_candidate_is_dropped_from_the_sequence(model_and_tokenizer, pipe):
    model, tokenizer = model_and_tokenizer  # the pipeline removes [PAD] ids before decoding; so do we
    assert_same_records(fill_mask(model, tokenizer, TEXTS[2], targets=["[PAD]", "dog"]),
                        pipe(TEXTS[2], targets=["[PAD]", "dog"]))


def test_mask_spelling_is_free(model_and_tokenizer, pipe):
    model, tokenizer = model_and_tokenizer
    assert_same_records(fill_mask(model, tokenizer, "the <mask> barked at me ."), pipe("the [MASK] barked at me ."))


# --- bad input --------------------------------------------------------------------------------------------

def test_empty_list_gives_empty_result(pipe):
    assert fill_mask(pipe.model, pipe.tokenizer, []) == []


@pytest.mark.parametrize("top_k", [0, -1, 2.5])
def test_bad_top_k_is_a_clear_error(pipe, top_k):
    with pytest.raises(ValueError, match="top_k must be a whole number >= 1"):
        fill_mask(pipe.model, pipe.tokenizer, "the [MASK] barked .", top_k=top_k)


def test_text_without_mask_names_the_text(pipe):
    with pytest.raises(ValueError, match="'the dog barked .'.*<mask> or"):
        fill_mask(pipe.model, pipe.tokenizer, ["the [MASK] barked .", "the dog barked ."])


def test_too_long_text_is_a_clear_error(pipe):
    long_text = "the [MASK] barked " + "and barked " * 40 + "."
    with pytest.raises(ValueError, match="tokens but the model reads at most 32"):
        fill_mask(pipe.model, pipe.tokenizer, long_text)


def test_unknown_targets_only_is_an_error(pipe):
    with pytest.raises(ValueError, match="none of the targets"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fill_mask(pipe.model, pipe.tokenizer, "the [MASK] barked .", targets=[" "])


def test_training_mode_is_restored_and_dropout_off(pipe):
    model = pipe.model
    model.train()
    try:
        first = fill_mask(model, pipe.tokenizer, TEXTS[0])
        assert model.training
        assert_same_records(fill_mask(model, pipe.tokenizer, TEXTS[0]), first)  # no dropout noise
    finally:
        model.eval()


# --- NumPy engine and light tokenizer -------------------------------------------------------------------

def test_numpy_engine_logits_equal_bert_with_padding(pipe, checkpoint):
    import torch

    from mlmcourse.inference.numpy_bert import NumpyBert

    engine = NumpyBert.from_pretrained(checkpoint)
    batch = pipe.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = pipe.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    ours = engine(batch["input_ids"].numpy(), batch["attention_mask"].numpy())
    real = batch["attention_mask"].numpy().astype(bool)  # padded positions are not compared
    np.testing.assert_allclose(ours[real], expected.numpy()[real], atol=1e-5, rtol=1e-5)


def test_numpy_helpers_docstring_examples():
    from mlmcourse.inference.numpy_bert import layer_norm, softmax

    assert layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2), eps=0.0).tolist() == [[-1.0, 1.0]]
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75])


def test_light_tokenizer_matches_transformers(pipe, checkpoint):
    from mlmcourse.inference.light_tokenizer import LightTokenizer, clean_up_tokenization

    light, reference = LightTokenizer(checkpoint), pipe.tokenizer
    assert light(TEXTS)["input_ids"] == reference(TEXTS)["input_ids"]
    assert (light.mask_token, light.mask_token_id, light.pad_token_id) == (
        reference.mask_token, reference.mask_token_id, reference.pad_token_id)
    ids = reference("unbelievable things , isn't it ?")["input_ids"]
    for skip in (True, False):
        assert light.decode(ids, skip_special_tokens=skip) == reference.decode(ids, skip_special_tokens=skip)
    assert light.get_vocab() == reference.get_vocab() and len(light) == len(reference)
    assert clean_up_tokenization("the dog barked . isn ' t it ?") == "the dog barked. isn't it?"


# --- loading --------------------------------------------------------------------------------------------

def test_hub_name_offline_fails_fast_naming_the_course_checkpoint(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CourseError, match=r"switched off.*course checkpoint.*course-tiny"):
        load_model("surely-not-cached/mlm-model-xyz")


def test_hub_unreachable_fails_with_the_alternative(monkeypatch):
    import mlmcourse.inference.loading as loading

    for flag in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(flag, raising=False)
    monkeypatch.setattr(loading, "hub_reachable", lambda timeout=1.5: False)
    with pytest.raises(CourseError, match="cannot be reached.*course checkpoint"):
        load_model("surely-not-cached/mlm-model-xyz")


def test_missing_course_checkpoint_says_how_to_create_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MLMCOURSE_DATA", str(tmp_path))
    with pytest.raises(CourseError, match="course checkpoint .* is missing; create it with `mlmcourse train"):
        load_model()


def test_missing_folder_and_pickles_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder './nowhere'"):
        load_model("./nowhere")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (tmp_path / "pytorch_model.bin").write_bytes(b"not really a pickle")
    with pytest.raises(CourseError, match=r"found only pytorch_model.bin.*safetensors only"):
        load_model(tmp_path)


def test_a_folder_typo_is_a_missing_folder_not_a_hub_model(monkeypatch, tmp_path):
    from mlmcourse.inference.loading import looks_like_folder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "my-model").mkdir(parents=True)
    assert looks_like_folder("runs/my-modle") and not looks_like_folder("bert-base-uncased")
    assert not looks_like_folder("google/bert-tiny")  # no google/ folder here: a Hub name
    with pytest.raises(FileNotFoundError, match=r"no folder 'runs/my-modle' \(did you mean 'runs/my-model'\?\)"):
        load_model("runs/my-modle")
    with pytest.raises(FileNotFoundError, match=r"no folder 'data/models/x/y';"):
        load_model("data/models/x/y")


def test_advice_is_python_in_python_and_command_line_on_the_command_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CourseError) as error:
        load_model("surely-not-cached/mlm-model-xyz")
    assert "load_model() with no name" in str(error.value) and "--model" not in str(error.value)
    assert main(["fill-mask", "the <mask> barked .", "--model", "surely-not-cached/mlm-model-xyz"]) == 2
    printed = capsys.readouterr().err
    assert "omit --model" in printed and "load_model" not in printed and printed.count("\n") == 1

    monkeypatch.setenv("MLMCOURSE_DATA", str(tmp_path))  # no course checkpoint
    with pytest.raises(CourseError) as error:
        load_model()
    assert "load_model('FOLDER or NAME')" in str(error.value) and "--model" not in str(error.value)
    assert main(["fill-mask", "the <mask> barked ."]) == 2
    printed = capsys.readouterr().err
    assert "(--model)" in printed and "load_model" not in printed


def test_loading_and_errors_docstring_examples():
    import doctest

    import mlmcourse.errors
    import mlmcourse.inference.cli
    import mlmcourse.inference.loading

    for module in (mlmcourse.errors, mlmcourse.inference.loading, mlmcourse.inference.cli):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_numpy_engine_refuses_other_architectures(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "roberta", "architectures": ["RobertaForMaskedLM"]}))
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(CourseError, match="NumPy engine reads BertForMaskedLM folders"):
        load_model(tmp_path, engine="numpy")


# --- command line ---------------------------------------------------------------------------------------

def test_cli_json_equals_pipeline(checkpoint, pipe, capsys):
    assert main(["fill-mask", "the <mask> sat on [MASK] mat .", "--model", str(checkpoint), "--json",
                 "--top-k", "3"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["engine"] == "numpy" and result["texts"] == ["the <mask> sat on [MASK] mat ."]
    assert_same_records(result["predictions"][0], pipe(TEXTS[2], top_k=3))


def test_cli_table_and_errors(checkpoint, pipe, capsys):
    assert main(["fill-mask", "the [MASK] barked at me .", "--model", str(checkpoint), "--engine", "torch"]) == 0
    out = capsys.readouterr().out
    best = pipe("the [MASK] barked at me .")[0]
    assert "(torch engine)" in out and f"{best['token_str']:<15} {best['score']:>11.4f}" in out
    assert main(["fill-mask", "no mask here", "--model", str(checkpoint)]) == 2
    assert "write <mask> or [MASK]" in capsys.readouterr().err
