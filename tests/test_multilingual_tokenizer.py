"""The multilingual tokenizer: every toy-world word one token in every language; fertility as alpha moves."""

from __future__ import annotations

import doctest

import pytest
from transformers import AutoTokenizer

from mlmcourse.corpora.languages import LANGUAGES
from mlmcourse.corpora.multilingual import MultilingualToyWorld
from mlmcourse.metrics.probes import single_token_id
from mlmcourse.tokenization import multilingual
from mlmcourse.tokenization.multilingual import (
    MultilingualWordPiece,
    fertility_table,
    multilingual_tokenizer,
    toy_vocabulary,
    train_sampled_tokenizer,
)


@pytest.fixture(scope="module")
def tokenizer():
    return multilingual_tokenizer()


@pytest.mark.parametrize("anchors", ["none", "shared"])
def test_every_word_of_every_language_is_one_token(tokenizer, anchors):
    world = MultilingualToyWorld(anchors=anchors)
    lines = world.generate(2_000, seed=0)
    encoded = tokenizer(lines, add_special_tokens=False)["input_ids"]
    for line, ids in zip(lines, encoded, strict=True):
        assert tokenizer.convert_ids_to_tokens(ids) == line.split(), line
    for language in LANGUAGES:  # the probes' single-token check, on every word a probe can ask for
        for word in world.world(language).vocabulary:
            assert single_token_id(tokenizer, word) == tokenizer.convert_tokens_to_ids(word) != tokenizer.unk_token_id


def test_tags_accents_and_case(tokenizer):
    assert tokenizer("<fr> L' Hôpital", add_special_tokens=False).input_ids == tokenizer.convert_tokens_to_ids(
        ["<fr>", "l'", "hôpital"])
    assert tokenizer.tokenize("<ru> ЁЖ Йод") == ["<ru>", "ё", "##ж", "й", "##о", "##д"]  # ё and й stay themselves
    assert tokenizer.tokenize("<de> Grüße!") == ["<de>", "g", "##r", "##ü", "##ß", "##e", "[UNK]"]  # "!": no toy word
    assert tokenizer.mask_token == "[MASK]" and tokenizer("<en> the [MASK] .").input_ids.count(tokenizer.mask_token_id) == 1
    ids = tokenizer("<fr> dix-sept plus un font dix-huit .").input_ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == "<fr> dix-sept plus un font dix-huit."  # as BERT tidies


def test_the_fast_tokenizer_equals_the_reference_encoder(tokenizer):
    reference = MultilingualWordPiece.from_vocab(
        [tokenizer.convert_ids_to_tokens(i) for i in range(len(tokenizer))])
    texts = MultilingualToyWorld().generate(300, seed=2) + ["<de> der Dackel bellte", "<fr> l'abeille", "<ru> ёлка"]
    for text in texts:
        assert tokenizer.tokenize(text) == reference.tokenize(text), text


def test_saved_and_loaded_it_is_the_same(tokenizer, tmp_path):
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(str(tmp_path))
    line = "<ru> у меня две утки ."
    assert loaded(line).input_ids == tokenizer(line).input_ids and len(loaded) == len(tokenizer)


def test_a_tokenizer_for_some_languages_knows_only_their_words():
    two = multilingual_tokenizer(["en", "ru"])
    vocabulary = two.get_vocab()
    assert "<ru>" in vocabulary and "<fr>" not in vocabulary and "столица" in vocabulary and "capitale" not in vocabulary
    assert set(toy_vocabulary(["en", "ru"])) <= set(vocabulary)
    assert len(two) < len(multilingual_tokenizer())
    with pytest.raises(ValueError, match="does not speak 'xx'"):
        multilingual_tokenizer(["xx"])


def test_fertility_and_vocabulary_share_follow_alpha():
    world = MultilingualToyWorld()
    train = world.generate_by_language({"en": 8_000, "fr": 2_000, "de": 1_000, "ru": 200}, seed=0)
    held_out = world.generate_by_language(dict.fromkeys(LANGUAGES, 200), seed=1)
    rows = fertility_table(train, held_out, alphas=[1.0, 0.3], vocab_size=500, n_lines=8_000)
    table = {(row["alpha"], row["language"]): row for row in rows}
    assert len(rows) == 8
    # upsampling the smallest language buys it vocabulary: fewer pieces per Russian word, more per English word
    assert table[0.3, "ru"]["fertility"] < table[1.0, "ru"]["fertility"]
    assert table[0.3, "ru"]["vocab_share"] > table[1.0, "ru"]["vocab_share"]
    assert table[0.3, "en"]["fertility"] > table[1.0, "en"]["fertility"] >= 1.0
    assert table[1.0, "ru"]["probability"] == pytest.approx(200 / 11_200)
    again = train_sampled_tokenizer(train, 0.3, 500, n_lines=8_000)
    assert again.vocab == train_sampled_tokenizer(train, 0.3, 500, n_lines=8_000).vocab  # deterministic
    assert all(not token.startswith("<") for token in again.vocab)  # tags are not learned


def test_docstring_examples():
    result = doctest.testmod(multilingual)
    assert result.failed == 0 and result.attempted >= 8
