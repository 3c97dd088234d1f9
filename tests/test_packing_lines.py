"""Packing whole lines that attend only to themselves (``packing="lines"``): rows, positions, and the model.

The promise: a row that packs several lines computes, at every position of every line, what that line alone in its
own row computes; so the model trained on packed rows is the model asked about single lines later.
"""

from __future__ import annotations

import doctest

import pytest
import torch
from training_support import small_texts, small_tokenizer, tiny_config

from mlmcourse.model import EncoderConfig, MaskedLM
from mlmcourse.model import masked_lm as masked_lm_module
from mlmcourse.training import TrainConfig, data, train


def test_docstring_examples():
    assert doctest.testmod(data).failed == 0
    assert doctest.testmod(masked_lm_module).failed == 0


def test_pack_lines_keeps_every_line_whole_and_in_order():
    lines = [[5] * n for n in (3, 7, 2, 9, 1, 4, 6)]
    rows, positions = data.pack_lines(lines, seq_len=12, cls_id=2, sep_id=3, pad_id=0)
    units = []
    for row, position in zip(rows, positions, strict=True):
        assert len(row) == len(position) == 12
        for index, token in enumerate(row):
            if token == 2:
                units.append([])
            if token != 0:
                units[-1].append(token)
                assert position[index] == len(units[-1]) - 1  # positions restart with each line
            else:
                assert position[index] == 0
    assert units == [[2, *line, 3] for line in lines]
    assert rows[0] == [2, 5, 5, 5, 3] + [0] * 7  # the next line (9 tokens) does not fit: padding


def test_pack_lines_cuts_a_line_longer_than_the_row():
    rows, positions = data.pack_lines([[7] * 20], seq_len=8, cls_id=2, sep_id=3, pad_id=0)
    assert rows == [[2, 7, 7, 7, 7, 7, 7, 3]] and positions == [list(range(8))]


def test_packed_rows_compute_what_separate_rows_compute():
    torch.manual_seed(0)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=60, dropout=0.0, attention_dropout=0.0)).eval()
    lines = [[10, 11, 12], [13, 14], [15, 16, 17, 18], [19]]
    rows, positions = data.pack_lines(lines, seq_len=20, cls_id=2, sep_id=3, pad_id=0)
    assert len(rows) == 1  # all four lines (18 tokens) in one row
    input_ids = torch.tensor(rows)
    with torch.no_grad():
        packed = model(input_ids, (input_ids != 0).long(), position_ids=torch.tensor(positions)).logits
        offset = 0
        for line in lines:
            alone = model(torch.tensor([[2, *line, 3]])).logits[0]  # (len + 2, vocab)
            torch.testing.assert_close(packed[0, offset:offset + len(line) + 2], alone, atol=2e-5, rtol=1e-5)
            offset += len(line) + 2


def test_line_attention_mask_hides_other_lines_and_padding():
    allowed = masked_lm_module.line_attention_mask(torch.tensor([[0, 1, 0, 1, 0]]), torch.tensor([[1, 1, 1, 1, 0]]))
    assert allowed[0].int().tolist() == [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0],
                                         [0, 0, 0, 0, 0]]


def test_make_blocks_with_lines_carries_positions_and_the_masker_passes_them_on():
    tokenizer = small_tokenizer()
    blocks = data.make_blocks(tokenizer, small_texts()["train"][:50], seq_len=32, packing="lines", progress=False)
    assert blocks.position_ids is not None and blocks.position_ids.shape == blocks.input_ids.shape
    starts = blocks.input_ids == tokenizer.cls_token_id
    assert bool((blocks.position_ids[starts] == 0).all())
    assert int(starts.sum()) == 50  # every line once
    from mlmcourse.training.batches import BatchMasker

    batch = BatchMasker(tokenizer, "token", 0.25)(blocks.rows(torch.arange(4)), torch.Generator().manual_seed(0))
    assert torch.equal(batch["position_ids"], blocks.position_ids[:4])


def test_packing_names_and_old_booleans():
    assert TrainConfig(packing=True).packing == "stream" and TrainConfig(packing=False).packing == "none"
    with pytest.raises(ValueError, match="'lines' packs whole lines"):
        TrainConfig(packing="tight")
    with pytest.raises(ValueError, match="model='ours'"):
        TrainConfig(packing="lines", model="hf")


def test_training_on_packed_lines_learns_and_counts_only_real_tokens():
    tokenizer = small_tokenizer()
    result = train(tiny_config(packing="lines", seq_len=32, max_steps=30, eval_every=30, mask_prob=0.25,
                               dropout=0.0), tokenizer=tokenizer, texts=small_texts())
    assert result.evals[-1]["loss"] < 3.0  # from ~ln(120) = 4.8: it learns
    positions = 30 * 16 * 32
    assert 0.6 * positions < result.tokens_seen < positions  # real tokens only, and most of each row is real
