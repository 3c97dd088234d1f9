"""The course tokenizer: stored files equal a fresh build, every toy-world word is one token, BERT conventions."""

from __future__ import annotations

import doctest
import json

import pytest

from mlmcourse.tokenization import course
from mlmcourse.tokenization.course import (
    BUILD_INFO,
    REBUILD_COMMAND,
    build_course_tokenizer,
    course_tokenizer,
    course_tokenizer_dir,
    course_vocabulary,
    fingerprint,
)
from mlmcourse.tokenization.wordpiece import WordPieceTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return course_tokenizer()


def test_docstring_examples():
    result = doctest.testmod(course)
    assert result.attempted > 0 and result.failed == 0


def test_stored_tokenizer_equals_a_fresh_build(tmp_path):
    build_course_tokenizer(tmp_path, show_progress=False)
    stored, fresh = course_tokenizer_dir(), tmp_path
    stored_info = json.loads((stored / BUILD_INFO).read_text())
    fresh_info = json.loads((fresh / BUILD_INFO).read_text())
    if stored_info["pydocs_fingerprint"] != fresh_info["pydocs_fingerprint"]:
        # Another Python's documentation gives other learned pieces, so byte-identity cannot hold here; what the
        # course relies on must still agree: the special tokens and every toy-world word, at the same ids.
        stored_vocab = json.loads((stored / "tokenizer.json").read_text())["model"]["vocab"]
        fresh_vocab = json.loads((fresh / "tokenizer.json").read_text())["model"]["vocab"]
        from mlmcourse.corpora.toyworld import ToyWorld

        fixed = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *ToyWorld().vocabulary]
        assert {w: stored_vocab[w] for w in fixed} == {w: fresh_vocab[w] for w in fixed}, (
            f"data/tokenizer/ is out of date; regenerate it with: {REBUILD_COMMAND}")
        return
    for name in ("tokenizer.json", "tokenizer_config.json", BUILD_INFO):
        assert (stored / name).read_bytes() == (fresh / name).read_bytes(), (
            f"data/tokenizer/{name} is out of date (the toy world or the build recipe changed); "
            f"regenerate it with: {REBUILD_COMMAND}")


def test_every_toy_world_word_is_one_token(tokenizer):
    from mlmcourse.corpora.toyworld import ToyWorld

    world = ToyWorld()
    split = {word: tokenizer.tokenize(word) for word in world.vocabulary}
    assert {word: pieces for word, pieces in split.items() if pieces != [word]} == {}
    for line in world.generate(50, seed=0):
        assert tokenizer.tokenize(line) == line.split()


def test_bert_conventions(tokenizer):
    assert tokenizer.convert_ids_to_tokens([0, 1, 2, 3, 4]) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert tokenizer.mask_token == "[MASK]" and tokenizer.model_max_length == 128
    assert len(tokenizer) == json.loads((course_tokenizer_dir() / BUILD_INFO).read_text())["vocab_size"] == 6144
    encoding = tokenizer("The dog [MASK] at me.")
    assert tokenizer.convert_ids_to_tokens(encoding.input_ids) == [
        "[CLS]", "the", "dog", "[MASK]", "at", "me", ".", "[SEP]"]
    assert encoding.word_ids() == [None, 0, 1, 2, 3, 4, 5, None]


def test_fast_tokenizer_and_reference_encoder_agree_on_pydocs(tokenizer):
    from mlmcourse.corpora import load_corpus

    validation = list(load_corpus("pydocs")["validation"]["text"])
    reference = WordPieceTokenizer.from_vocab(tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))))
    fast_ids = tokenizer(validation, add_special_tokens=False).input_ids
    assert fast_ids == [reference.encode(text) for text in validation]
    pieces, words = sum(map(len, fast_ids)), sum(len(reference.words(text)) for text in validation)
    assert 1.0 < pieces / words < 1.2  # real prose is covered with few pieces per word


def test_course_vocabulary_worked_example():
    vocab = course_vocabulary(["low low lower"], ["zebra"], vocab_size=17, show_progress=False)
    assert vocab == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "zebra", "e", "l", "o", "r", "w",
                     "##e", "##o", "##r", "##w", "lo", "low"]
    assert fingerprint(["a", "b"]) == fingerprint(["a", "b"]) != fingerprint(["a b"])


def test_missing_tokenizer_says_how_to_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("MLMCOURSE_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m mlmcourse.tokenization.course"):
        course_tokenizer()


def test_too_small_vocabulary_is_refused():
    with pytest.raises(ValueError, match="cannot hold"):
        course_vocabulary(["a b"], ["x", "y", "z"], vocab_size=6)
