"""Normalisation and pre-tokenisation: our readable versions against the ``tokenizers`` library, char for char."""

from __future__ import annotations

import doctest
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import normalizers, pre_tokenizers

from mlmcourse.tokenization import byte_level, normalization
from mlmcourse.tokenization.byte_level import (
    byte_level_pre_tokenize,
    bytes_to_symbols,
    bytes_to_unicode,
    gpt2_split,
    symbols_to_text,
)
from mlmcourse.tokenization.normalization import bert_normalize, bert_pre_tokenize, bert_words, lowercase

# Characters whose Unicode category is the same in Unicode 3.2 and in Python's tables. The Rust library's tables
# are from a Unicode version in between, so on these characters all three agree; characters added or re-classified
# since (a few hundred rare punctuation and combining marks) are the documented difference.
STABLE_CHARS = st.characters(exclude_categories=("Cs", "Cn")).filter(
    lambda char: unicodedata.ucd_3_2_0.category(char) == unicodedata.category(char))
INTERESTING = list("  \t\n\r\x0b\x0c\x00\u3000\u2009\xa0\u200b\u200d\ufffd'sdtrevml-.,!?$é") + [
    "e\u0301", "🦜", "👍🏽", "中", "文", "ΟΔΟΣ", "İ", "ß", "ﬁ", "'s", "'re", "  ", "\n\n", "2024", "½", "ǅ"]
TEXT = st.lists(st.one_of(STABLE_CHARS, st.sampled_from(INTERESTING)), max_size=30).map("".join)

BERT_NORMALIZER = normalizers.BertNormalizer(lowercase=True)
BERT_CASED = normalizers.BertNormalizer(lowercase=False)
BERT_PRE_TOKENIZER = pre_tokenizers.BertPreTokenizer()
BYTE_LEVEL = pre_tokenizers.ByteLevel(add_prefix_space=False)


@pytest.mark.parametrize("module", [normalization, byte_level])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_worked_examples():
    assert bert_normalize("Héllo,\tWORLD! 你好") == "hello, world!  你  好 "
    assert bert_pre_tokenize("Hey friend!   How are you?!?") == ["Hey", "friend", "!", "How", "are", "you", "?",
                                                                 "!", "?"]
    assert bert_words("Don't PANIC, Zoë.") == ["don", "'", "t", "panic", ",", "zoe", "."]
    assert gpt2_split("Hello world's  2024 café!!\n") == ["Hello", " world", "'s", " ", " 2024", " café", "!!", "\n"]
    assert bytes_to_symbols(" café") == "ĠcafÃ©" and symbols_to_text("ĠcafÃ©") == " café"
    assert byte_level_pre_tokenize("Hello world!") == ["Hello", "Ġworld", "!"]


def test_byte_table_is_a_bijection_that_keeps_printable_bytes():
    table = bytes_to_unicode()
    assert sorted(table) == list(range(256)) and len(set(table.values())) == 256
    assert all(table[byte] == chr(byte) for byte in range(ord("!"), ord("~") + 1))
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ"
    assert sorted(table.values()) == sorted(pre_tokenizers.ByteLevel.alphabet())


def test_lowercase_is_per_character_like_the_library():
    # str.lower() turns a final capital sigma into "ς"; the library (and we) give "σ".
    assert lowercase("ΟΔΟΣ") == "οδοσ" == BERT_NORMALIZER.normalize_str("ΟΔΟΣ")
    assert "ΟΔΟΣ".lower() == "οδος"


def test_control_and_whitespace_rules_on_examples():
    # Vertical tab, form feed and U+0085 are control characters (deleted), not whitespace; U+001C is not space.
    text = "a\x0bb\x0cc\x85d\x1ce\u3000f\u200bg"
    assert bert_normalize(text) == BERT_NORMALIZER.normalize_str(text) == "abcde fg"


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_bert_normaliser_and_pre_tokeniser_match_the_library(text):
    library_words = [word for word, _ in BERT_PRE_TOKENIZER.pre_tokenize_str(BERT_NORMALIZER.normalize_str(text))]
    assert bert_words(text) == library_words
    cased = [word for word, _ in BERT_PRE_TOKENIZER.pre_tokenize_str(BERT_CASED.normalize_str(text))]
    assert bert_words(text, lowercase_text=False) == cased


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_byte_level_pre_tokeniser_matches_the_library(text):
    assert byte_level_pre_tokenize(text) == [word for word, _ in BYTE_LEVEL.pre_tokenize_str(text)]


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_gpt2_split_loses_nothing(text):
    assert "".join(gpt2_split(text)) == text
    assert symbols_to_text("".join(byte_level_pre_tokenize(text))) == text


def test_empty_text():
    assert bert_words("") == [] and byte_level_pre_tokenize("") == [] and bert_normalize("") == ""
