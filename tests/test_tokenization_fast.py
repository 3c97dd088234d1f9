"""``train_tokenizer``: a ``transformers`` tokenizer with special tokens, post-processor, decoder and word ids."""

from __future__ import annotations

import doctest

import pytest
from transformers import AutoTokenizer

from mlmcourse.tokenization import fast
from mlmcourse.tokenization.bpe import BPETokenizer
from mlmcourse.tokenization.fast import special_tokens, train_tokenizer

FIXTURE = [
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away!",
    "Tokenizers split text into pieces: words, subwords and characters. Pieces get ids.",
    "A lower, lowest, newer and newest example of subword merges, over and over again.",
] * 5


@pytest.fixture(scope="module")
def wordpiece():
    return train_tokenizer(FIXTURE, kind="wordpiece", vocab_size=150)


@pytest.fixture(scope="module")
def byte_bpe():
    return train_tokenizer(FIXTURE, kind="bpe", vocab_size=400, lowercase=False)


def test_docstring_examples():
    result = doctest.testmod(fast)
    assert result.attempted > 0 and result.failed == 0


def test_wordpiece_special_tokens_and_template(wordpiece):
    assert wordpiece.convert_ids_to_tokens([0, 1, 2, 3, 4]) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert (wordpiece.pad_token_id, wordpiece.unk_token_id, wordpiece.cls_token_id, wordpiece.sep_token_id,
            wordpiece.mask_token_id) == (0, 1, 2, 3, 4)
    tokens = wordpiece.convert_ids_to_tokens(wordpiece("The dog [MASK] over the fox.").input_ids)
    assert tokens == ["[CLS]", "the", "dog", "[MASK]", "over", "the", "fox", ".", "[SEP]"]
    assert wordpiece.model_max_length == 128


def test_word_ids_group_the_pieces_of_a_word(wordpiece):
    encoding = wordpiece("Tokenizers lower subwords!")
    tokens = wordpiece.convert_ids_to_tokens(encoding.input_ids)
    word_ids = encoding.word_ids()
    assert word_ids[0] is None and word_ids[-1] is None
    assert max(i for i in word_ids if i is not None) == 3  # tokenizers, lower, subwords, !
    for token, word_id, previous in zip(tokens[1:-1], word_ids[1:-1], word_ids[:-2], strict=True):
        assert (word_id == previous) == token.startswith("##")


def test_wordpiece_decodes_to_normalised_text(wordpiece):
    ids = wordpiece("The lazy dog sleeps.").input_ids
    assert wordpiece.decode(ids, skip_special_tokens=True) == "the lazy dog sleeps."
    assert wordpiece.decode(ids) == "[CLS] the lazy dog sleeps. [SEP]"


def test_bpe_special_tokens_template_and_mask(byte_bpe):
    assert byte_bpe.convert_ids_to_tokens([0, 1, 2, 3, 4]) == special_tokens("bpe")
    assert (byte_bpe.cls_token, byte_bpe.sep_token, byte_bpe.mask_token) == ("<s>", "</s>", "<mask>")
    tokens = byte_bpe.convert_ids_to_tokens(byte_bpe("The <mask> jumps.").input_ids)
    # <mask> takes the space before it, so the next word keeps its own "Ġ" as in an unmasked sentence.
    assert tokens[:3] == ["<s>", "The", "<mask>"] and tokens[-1] == "</s>" and tokens[3].startswith("Ġ")
    assert byte_bpe.decode(byte_bpe("The dog jumps.").input_ids, skip_special_tokens=True) == "The dog jumps."


def test_bpe_fast_path_learns_the_same_pieces_as_the_reference(byte_bpe):
    reference = BPETokenizer().train(FIXTURE, vocab_size=400 - 5, show_progress=False)  # 5 special tokens fewer
    for text in [*FIXTURE[:3], "Unseen words: zebra, quokka 🦜"]:
        assert byte_bpe.tokenize(text) == reference.tokenize(text)


@pytest.mark.parametrize("kind", ["wordpiece", "bpe"])
def test_save_and_load_round_trip(tmp_path, kind, wordpiece, byte_bpe):
    tokenizer = wordpiece if kind == "wordpiece" else byte_bpe
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    texts = ["The quick <mask> fox [MASK].", "lower newest subwords", ""]
    assert loaded(texts).input_ids == tokenizer(texts).input_ids
    assert loaded.all_special_tokens == tokenizer.all_special_tokens
    assert (loaded.mask_token, loaded.model_max_length) == (tokenizer.mask_token, 128)


def test_padding_batches(wordpiece):
    longest = len(wordpiece("the lazy dog sleeps").input_ids)
    batch = wordpiece(["the dog", "the lazy dog sleeps"], padding=True, return_tensors="pt")
    assert batch["input_ids"].shape == (2, longest)
    assert batch["input_ids"][0].tolist() == wordpiece("the dog").input_ids + [0] * (longest - 4)
    assert batch["attention_mask"][0].tolist() == [1] * 4 + [0] * (longest - 4)


def test_clear_errors():
    with pytest.raises(ValueError, match="not one string"):
        train_tokenizer("the dog barked")
    with pytest.raises(ValueError, match="no text"):
        train_tokenizer(["", "  "])
    with pytest.raises(ValueError, match="'wordpiece'"):
        train_tokenizer(FIXTURE, kind="unigram")
    with pytest.raises(ValueError, match="256 bytes"):
        train_tokenizer(FIXTURE, kind="bpe", vocab_size=200)
