"""The reference WordPiece: worked examples, properties, and how close it comes to ``tokenizers``' WordPiece.

The library's ``WordPieceTrainer`` learns BPE merges by frequency (and breaks ties in hash order, so it is not
even deterministic between runs); our trainer's default is WordPiece's likelihood score. So:
- the *encoder* (greedy longest match) must agree with the library exactly, given the same vocabulary;
- with ``score="frequency"`` our trainer must tokenise at least 99% of validation words like the library does;
- with the likelihood score the vocabularies differ by design; the test measures it and checks that the
  frequency mode is the closer one (notebook 02 explains and shows the numbers).
"""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from mlmcourse.tokenization import wordpiece
from mlmcourse.tokenization.wordpiece import (
    SPECIAL_TOKENS,
    WordPieceTokenizer,
    greedy_longest_match,
    join_pieces,
    pair_score,
)

FIXTURE = [
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away!",
    "Tokenizers split text into pieces: words, subwords and characters. Pieces get ids.",
    "A lower, lowest, newer and newest example of subword merges, over and over again.",
] * 5


def library_wordpiece(texts: list[str], vocab_size: int) -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS),
                                        show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def vocabulary_of(tokenizer: Tokenizer) -> list[str]:
    vocab = tokenizer.get_vocab()
    return sorted(vocab, key=vocab.get)


def share_of_words_alike(words: list[str], ours: WordPieceTokenizer, theirs: set[str]) -> float:
    same = sum(greedy_longest_match(word, ours.token_to_id) == greedy_longest_match(word, theirs) for word in words)
    return same / len(words)


@pytest.fixture(scope="module")
def pydocs_slice():
    from mlmcourse.corpora import load_corpus

    corpus = load_corpus("pydocs")
    return list(corpus["train"]["text"])[:3000], list(corpus["validation"]["text"])


@pytest.fixture(scope="module")
def fixture_tokenizer():
    return WordPieceTokenizer().train(FIXTURE, vocab_size=120, show_progress=False)


def test_docstring_examples():
    result = doctest.testmod(wordpiece)
    assert result.attempted > 0 and result.failed == 0


def test_worked_examples():
    assert pair_score(pair_count=20, left_count=100, right_count=40) == 0.005
    assert join_pieces("un", "##able") == "unable" and join_pieces("##iz", "##ation") == "##ization"
    assert greedy_longest_match("unaffable", {"un", "##aff", "##able", "##a"}) == ["un", "##aff", "##able"]
    assert greedy_longest_match("unx", {"un", "##a"}) == ["[UNK]"]
    assert greedy_longest_match("a" * 101, {"a", "##a"}) == ["[UNK]"]  # BERT's 100-character limit


def test_likelihood_prefers_rare_parts_that_stick_together():
    # Counts: a=10, ##b=5, ##c=5, x=2, ##y=2. Frequency picks a+##b (5 times; ties go to smaller ids);
    # likelihood picks x+##y: 2 / (2 * 2) = 0.5 beats 5 / (10 * 5) = 0.1.
    text = ["ab ab ab ab ab ac ac ac ac ac xy xy"]
    base = len(SPECIAL_TOKENS) + len("abcxy") + len(["##b", "##c", "##y"])
    by_frequency = WordPieceTokenizer().train(text, vocab_size=base + 1, score="frequency", show_progress=False)
    by_likelihood = WordPieceTokenizer().train(text, vocab_size=base + 1, score="likelihood", show_progress=False)
    assert by_frequency.vocab[-1] == "ab" and by_likelihood.vocab[-1] == "xy"


def test_vocabulary_layout_and_determinism(fixture_tokenizer):
    vocab = fixture_tokenizer.vocab
    assert vocab[:5] == list(SPECIAL_TOKENS) and len(vocab) == 120
    characters = [token for token in vocab[5:] if len(token.removeprefix("##")) == 1]
    assert vocab[5:5 + len(characters)] == characters  # characters first, then learned pieces
    assert WordPieceTokenizer().train(FIXTURE, vocab_size=120, show_progress=False).vocab == vocab


def test_encoder_matches_the_library_given_the_same_vocabulary(pydocs_slice):
    train, validation = pydocs_slice
    library = library_wordpiece(train, vocab_size=3000)
    ours = WordPieceTokenizer.from_vocab(vocabulary_of(library))
    assert [ours.encode(text) for text in validation] == [e.ids for e in library.encode_batch(validation)]


def test_training_shares_with_the_library(pydocs_slice):
    train, validation = pydocs_slice
    theirs = set(vocabulary_of(library_wordpiece(train, vocab_size=3000)))
    words = [word for text in validation for word in WordPieceTokenizer().words(text)]
    by_frequency = WordPieceTokenizer().train(train, 3000, min_frequency=0, score="frequency", show_progress=False)
    by_likelihood = WordPieceTokenizer().train(train, 3000, score="likelihood", show_progress=False)
    frequency_share = share_of_words_alike(words, by_frequency, theirs)
    likelihood_share = share_of_words_alike(words, by_likelihood, theirs)
    assert frequency_share >= 0.99, f"frequency-scored training agrees on only {frequency_share:.2%} of words"
    assert likelihood_share < frequency_share


def test_unknown_characters_become_unk(fixture_tokenizer):
    # No parrot in the fixture, and "q" only ever starts a word there, so "##q" does not exist.
    ids = fixture_tokenizer.encode("the 🦜 qqq dog")
    assert ids.count(fixture_tokenizer.token_to_id["[UNK]"]) == 2
    assert fixture_tokenizer.decode(ids) == "the [UNK] [UNK] dog"


def test_empty_string(fixture_tokenizer):
    assert fixture_tokenizer.encode("") == [] and fixture_tokenizer.decode([]) == ""


def expected_round_trip(tokenizer: WordPieceTokenizer, text: str) -> str:
    """The normalised words, a word the vocabulary cannot spell replaced by [UNK], joined by spaces."""
    def spellable(word: str) -> bool:
        return (len(word) <= 100 and word[0] in tokenizer.token_to_id
                and all("##" + char in tokenizer.token_to_id for char in word[1:]))
    return " ".join(word if spellable(word) else "[UNK]" for word in tokenizer.words(text))


@settings(max_examples=100, deadline=None)
@given(st.text() | st.lists(st.sampled_from(["the", "dog", " ", "🦜", "中文", "Ünïcode", "e\u0301", ".", "\t\n",
                                             "fox's", "overs"]), max_size=12).map("".join))
def test_decode_gives_the_normalised_words_back(fixture_tokenizer, text):
    assert fixture_tokenizer.decode(fixture_tokenizer.encode(text)) == expected_round_trip(fixture_tokenizer, text)


def test_clear_errors(fixture_tokenizer):
    with pytest.raises(ValueError, match="smaller than"):
        WordPieceTokenizer().train(FIXTURE, vocab_size=10)
    with pytest.raises(ValueError, match="not one of"):
        WordPieceTokenizer().train(FIXTURE, vocab_size=200, score="counts")
    with pytest.raises(ValueError, match="must be one of the special tokens"):
        WordPieceTokenizer(unk_token="<unk>")
    with pytest.raises(ValueError, match="lacks the special tokens"):
        WordPieceTokenizer.from_vocab(["a", "b"])
    with pytest.raises(ValueError, match="not in this vocabulary"):
        fixture_tokenizer.decode([10_000])
