"""Probes inside long rows (mlmcourse.metrics.long_context): rows like training rows, and the same scores as
probe_report when there is no room for context."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_model_hf import TEXTS, wordpiece_tokenizer

from mlmcourse.metrics import probe_report
from mlmcourse.metrics.long_context import InContext
from mlmcourse.metrics.probes import probe_log_probs
from mlmcourse.model import EncoderConfig, MaskedLM

PROBES = ["the [MASK] barked at me .", "paris is the [MASK] of france .", "a [MASK] and a cat played ."]


def test_rows_hold_the_probe_among_whole_context_lines():
    tokenizer = wordpiece_tokenizer()
    in_context = InContext(TEXTS, seq_len=40, seed=3)
    rows, starts = in_context.rows(tokenizer, PROBES)
    assert rows.shape == (3, 40)
    sep, cls = tokenizer.sep_token_id, tokenizer.cls_token_id
    for row, start, text in zip(rows.tolist(), starts.tolist(), PROBES, strict=True):
        probe = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert row[0] == cls and row[start:start + len(probe)] == probe and row[start + len(probe)] == sep
        assert row[start - 1] in (cls, sep)  # the probe starts a line, as in a packed training row
        assert row.count(tokenizer.mask_token_id) == 1
    again, _ = InContext(TEXTS, seq_len=40, seed=3).rows(tokenizer, PROBES)
    other, _ = InContext(TEXTS, seq_len=40, seed=4).rows(tokenizer, PROBES)
    assert np.array_equal(rows, again) and not np.array_equal(rows, other)
    assert len(set(starts.tolist())) > 1  # probes sit at different places
    with pytest.raises(ValueError, match="does not fit in seq_len 5"):
        InContext(TEXTS, seq_len=5).rows(tokenizer, PROBES)


def test_without_room_for_context_it_equals_the_plain_probes():
    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(0)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=len(tokenizer), max_position=64)).eval()
    text = PROBES[1]
    exact_fit = len(tokenizer(text)["input_ids"])  # with [CLS] and [SEP]
    plain = probe_log_probs(model, tokenizer, [text])
    in_row = InContext(TEXTS, seq_len=exact_fit)(model, tokenizer, [text])
    assert np.allclose(plain, in_row, atol=1e-5)
    longer = InContext(TEXTS, seq_len=32)(model, tokenizer, [text])
    assert not np.allclose(plain, longer, atol=1e-3)  # the context does change what the model sees


def test_probe_report_reads_probes_in_context():
    from mlmcourse.corpora.toyworld import ToyWorld
    from mlmcourse.tokenization import course_tokenizer

    tokenizer = course_tokenizer()
    world = ToyWorld()
    torch.manual_seed(1)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=len(tokenizer), num_layers=1, attention="nystrom",
                                          num_landmarks=16, conv_kernel_size=5, max_position=64)).eval()
    in_context = InContext(world.generate(50, seed=5, progress=False), seq_len=64)  # 64 tokens: Nyström
    report = probe_report(model, tokenizer, world, n=4, phenomena=["facts", "animals"], progress=False,
                          log_probs=in_context)
    plain = probe_report(model, tokenizer, world, n=4, phenomena=["facts", "animals"], progress=False)  # exact
    assert report["n_probes"] == plain["n_probes"] == 8
    assert report["bayes_floor"] == plain["bayes_floor"]  # the same probes, the same floor
    assert report["probe_ce"] != plain["probe_ce"]  # read differently


def test_probe_losses_match_the_report_and_the_bootstrap_brackets_the_mean():
    from mlmcourse.corpora.toyworld import ToyWorld
    from mlmcourse.metrics.long_context import paired_bootstrap, probe_losses
    from mlmcourse.tokenization import course_tokenizer

    tokenizer, world = course_tokenizer(), ToyWorld()
    torch.manual_seed(2)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=len(tokenizer), num_layers=1)).eval()
    probes = world.probes("facts", 6, seed=0)
    in_context = InContext(world.generate(30, seed=6, progress=False), seq_len=48)
    losses = probe_losses(model, tokenizer, probes, in_context)
    report = probe_report(model, tokenizer, world, n=6, phenomena=["facts"], progress=False, log_probs=in_context)
    assert losses.shape == (6,) and losses.mean() == pytest.approx(report["probe_ce"], rel=1e-9)
    alone = probe_losses(model, tokenizer, probes)
    interval = paired_bootstrap(losses, alone, seed=1)
    assert interval["low"] <= interval["mean"] <= interval["high"]
    assert interval["mean"] == pytest.approx(float((losses - alone).mean()))
    assert paired_bootstrap(losses, losses)["high"] == 0.0


def test_docstring_examples_run():
    import doctest

    from mlmcourse.metrics import long_context

    result = doctest.testmod(long_context)
    assert result.failed == 0 and result.attempted > 0
