"""Small WordPiece and byte-level BPE tokenizers for the masking tests, and tests of word starts on them.

The other masking test modules import ``wordpiece_tokenizer`` / ``bpe_tokenizer`` from here: they are trained in
milliseconds on a few lines, so the tests need neither the course tokenizer nor the network.
"""

from __future__ import annotations

import functools

import pytest
import torch
from _wordpiece_fixture import bert_wordpiece
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from mlmcourse.masking import MLMCollator, word_ids_column
from mlmcourse.masking.words import (
    starts_from_offsets,
    starts_from_vocabulary,
    starts_from_word_ids,
    word_start_table,
)

TEXT = [
    "the dog barked at me . the cat sat on the mat .",
    "unbelievably , the whiskers of the cat twitched !",
    "paris is the capital of france . berlin is the capital of germany .",
    "the dogs were barking loudly at the postman's bicycle .",
    "a teacher works at a school ; teachers work at schools .",
    "she said that he would come tomorrow , wouldn't he ?",
] * 20

SENTENCES = [
    "unbelievably, the whiskers twitched!",
    "The teachers barked at paris's postman.",
    "a dog",
    "berlin is the capital of germany . she said that he would come tomorrow",
]


@functools.cache
def wordpiece_tokenizer() -> PreTrainedTokenizerFast:
    """BERT-style: lowercase WordPiece with ``##`` pieces, ``[CLS] x [SEP]``, ids 0..4 = PAD UNK CLS SEP MASK."""
    return bert_wordpiece(TEXT, vocab_size=150)


@functools.cache
def bpe_tokenizer() -> PreTrainedTokenizerFast:
    """RoBERTa-style: byte-level BPE with ``Ġ`` pieces, ``<s> x </s>``, ids 0..4 = <s> <pad> </s> <unk> <mask>."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer.train_from_iterator(TEXT, trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   unk_token="<unk>", mask_token="<mask>", cls_token="<s>", sep_token="</s>")


def encode(tokenizer, texts: list[str]) -> list[dict]:
    """Examples as a tokenized dataset stores them: ids, special mask, offsets and word ids (-1 outside words)."""
    encoding = tokenizer(texts, return_special_tokens_mask=True, return_offsets_mapping=True)
    word_ids = word_ids_column([encoding.word_ids(i) for i in range(len(texts))])
    return [{"input_ids": encoding["input_ids"][i], "special_tokens_mask": encoding["special_tokens_mask"][i],
             "offset_mapping": encoding["offset_mapping"][i], "word_ids": word_ids[i]} for i in range(len(texts))]


def test_word_start_table_wordpiece_example():
    # the docstring's example: [PAD] [UNK] [CLS] [SEP] [MASK] dog ##s
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "dog": 5, "##s": 6}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    assert word_start_table(tokenizer).tolist() == [False, False, False, False, False, True, False]


def test_word_start_table_byte_level_bpe_marks_g_pieces():
    tokenizer = bpe_tokenizer()
    table = word_start_table(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    starting = [piece for piece, start in zip(pieces, table.tolist(), strict=True) if start]
    assert starting == [piece for piece in pieces if piece.startswith("Ġ")]
    assert "Ġthe" in pieces  # the fixture really merged pieces behind a space


def test_word_start_table_unknown_kind_says_what_to_do():
    vocab = {"[PAD]": 0, "[UNK]": 1, "[MASK]": 2, "dog": 3, "s": 4}
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.BPE(vocab, [], unk_token="[UNK]")),
                                        unk_token="[UNK]", pad_token="[PAD]", mask_token="[MASK]")
    with pytest.raises(ValueError, match="word_ids"):
        word_start_table(tokenizer)


@pytest.mark.parametrize("make_tokenizer", [wordpiece_tokenizer, bpe_tokenizer], ids=["wordpiece", "bpe"])
def test_word_ids_group_the_pieces_of_each_word(make_tokenizer):
    # RoBERTa-style check: a word's pieces share one word id, and each "Ġ" / non-"##" piece starts a new word
    tokenizer = make_tokenizer()
    example = encode(tokenizer, ["the teachers barked loudly"])[0]
    pieces = tokenizer.convert_ids_to_tokens(example["input_ids"])
    words = {}
    for piece, word in zip(pieces, example["word_ids"], strict=True):
        words.setdefault(word, []).append(piece)
    text = ["".join(p.replace("Ġ", "").replace("##", "") for p in words[w]) for w in sorted(words) if w != -1]
    assert text == ["the", "teachers", "barked", "loudly"]


@pytest.mark.parametrize("make_tokenizer", [wordpiece_tokenizer, bpe_tokenizer], ids=["wordpiece", "bpe"])
def test_three_sources_of_word_starts_agree_where_they_should(make_tokenizer):
    tokenizer = make_tokenizer()
    batch = MLMCollator(tokenizer).pad(encode(tokenizer, SENTENCES))
    special = batch["special_tokens_mask"].bool() | ~batch["attention_mask"].bool()
    from_word_ids = starts_from_word_ids(batch["word_ids"])
    from_offsets = starts_from_offsets(batch["offset_mapping"], special)
    from_vocabulary = starts_from_vocabulary(batch["input_ids"], special, word_start_table(tokenizer))
    # every offsets word start is a word_ids word start; word_ids also split off punctuation ("twitched", "!")
    assert not (from_offsets & ~from_word_ids).any()
    assert (from_word_ids & ~from_offsets).any()
    if tokenizer is wordpiece_tokenizer():  # BERT's pre-tokenizer splits punctuation, and so does its vocabulary
        assert torch.equal(from_vocabulary, from_word_ids)
    else:  # byte-level BPE: only "Ġ" starts a word, so punctuation is glued on as with offsets
        assert torch.equal(from_vocabulary, from_offsets)
