"""The reference byte-level BPE: worked examples, properties, and a merge-for-merge match with ``tokenizers``."""

from __future__ import annotations

import doctest
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from mlmcourse.tokenization import bpe
from mlmcourse.tokenization.bpe import BYTE_ALPHABET, BPETokenizer, count_pairs, merge, merge_in_word

# Characters Python and the library classify alike (see test_tokenization_normalization.py).
STABLE_CHARS = st.characters(exclude_categories=("Cs", "Cn")).filter(
    lambda char: unicodedata.ucd_3_2_0.category(char) == unicodedata.category(char))
FIXTURE = [
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away!",
    "Tokenizers split text into pieces: words, subwords, bytes. Pieces get ids.",
    "A lower, lowest, newer and newest example of subword merges, over and over again.",
] * 5


def library_bpe(texts: list[str], vocab_size: int, min_frequency: int = 0, lowercase: bool = False) -> Tokenizer:
    """``tokenizers``' BPE with the settings our reference mirrors: byte-level, no prefix space, no specials."""
    tokenizer = Tokenizer(models.BPE())
    if lowercase:
        tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


@pytest.fixture(scope="module")
def pydocs_splits():
    from mlmcourse.corpora import load_corpus

    corpus = load_corpus("pydocs")
    return list(corpus["train"]["text"]), list(corpus["validation"]["text"])


@pytest.fixture(scope="module")
def fixture_tokenizer():
    return BPETokenizer().train(FIXTURE, vocab_size=320, show_progress=False)


@pytest.fixture(scope="module")
def fixture_library():
    return library_bpe(FIXTURE, vocab_size=320)


def test_docstring_examples():
    result = doctest.testmod(bpe)
    assert result.attempted > 0 and result.failed == 0


def test_merge_worked_example():
    assert merge([1, 2, 3, 1, 2], (1, 2), 4) == [4, 3, 4]
    assert merge([7, 7, 7], (7, 7), 8) == [8, 7]  # left to right, no overlaps
    assert merge([], (1, 2), 3) == []


def test_merge_in_word_reports_the_neighbours_that_changed():
    word = [1, 2, 3, 1, 2]
    assert merge_in_word(word, (1, 2), 4) == [((2, 3), -1), ((4, 3), 1), ((3, 1), -1), ((3, 4), 1)]
    assert word == [4, 3, 4]


def test_count_pairs_weights_by_word_count():
    pair_counts, where = count_pairs([[1, 2, 3], [1, 2]], [10, 1])
    assert dict(pair_counts) == {(1, 2): 11, (2, 3): 10} and where[(1, 2)] == {0, 1} and where[(2, 3)] == {0}


@pytest.mark.parametrize(("size", "vocab_size", "min_frequency", "lowercase"),
                         [(1500, 1200, 0, False), (3000, 2000, 3, True)])
def test_same_merges_and_encodings_as_the_library(pydocs_splits, size, vocab_size, min_frequency, lowercase):
    train, validation = pydocs_splits
    train = train[:size]
    ours = BPETokenizer(lowercase=lowercase).train(train, vocab_size, min_frequency=min_frequency,
                                                   show_progress=False)
    library = library_bpe(train, vocab_size, min_frequency=min_frequency, lowercase=lowercase)
    model = json.loads(library.to_str())["model"]
    assert ours.merges_as_tokens() == [tuple(pair) for pair in model["merges"]]
    assert ours.token_to_id == model["vocab"]
    library_ids = [encoding.ids for encoding in library.encode_batch(validation)]
    assert [ours.encode(text) for text in validation] == library_ids


def test_vocabulary_starts_with_the_256_byte_symbols(fixture_tokenizer):
    assert fixture_tokenizer.vocab[:256] == BYTE_ALPHABET == sorted(BYTE_ALPHABET)
    assert fixture_tokenizer.vocab_size == 320 and len(fixture_tokenizer.merges) == 320 - 256
    assert fixture_tokenizer.tokenize("The dog") == ["The", "Ġdog"]


def test_unknown_characters_become_bytes(fixture_tokenizer):
    # A parrot emoji never occurs in the fixture: it is spelled as its four UTF-8 bytes.
    ids = fixture_tokenizer.encode("🦜")
    assert [fixture_tokenizer.vocab[i] for i in ids] == ["ð", "Ł", "¦", "ľ"]
    assert len(ids) == len("🦜".encode()) and fixture_tokenizer.decode(ids) == "🦜"


def test_empty_string(fixture_tokenizer):
    assert fixture_tokenizer.encode("") == [] and fixture_tokenizer.decode([]) == ""


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_decode_inverts_encode_on_any_unicode(fixture_tokenizer, text):
    assert fixture_tokenizer.decode(fixture_tokenizer.encode(text)) == text


@settings(max_examples=100, deadline=None)
@given(st.lists(STABLE_CHARS | st.sampled_from(["🦜", " ", "  ", "\n", "e\u0301", "中", "'s", "the", " fox", "ΟΔΟΣ"]),
                max_size=30).map("".join))
def test_encoding_matches_the_library_on_any_text(fixture_tokenizer, fixture_library, text):
    assert fixture_tokenizer.encode(text) == fixture_library.encode(text).ids


def test_lowercase_option_normalises_before_encoding():
    tokenizer = BPETokenizer(lowercase=True).train(FIXTURE, 300, show_progress=False)
    assert tokenizer.decode(tokenizer.encode("The FOX")) == "the fox"


def test_clear_errors():
    with pytest.raises(ValueError, match="at least 256"):
        BPETokenizer().train(FIXTURE, vocab_size=100)
    with pytest.raises(ValueError, match="not in this vocabulary"):
        BPETokenizer().decode([5, 9999])
