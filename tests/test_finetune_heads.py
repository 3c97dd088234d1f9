"""The classification heads against their production twins: same weights, same logits (1e-5), same loss.

``SequenceClassifier`` vs ``BertForSequenceClassification`` (pooler: dense + tanh on [CLS]) and ``TokenClassifier``
vs ``BertForTokenClassification``, both ways of converting; a classifier started from a masked LM carries the
masked LM's encoder exactly (its hidden states are the MLM's); the doctests of the finetune package pass.
"""

from __future__ import annotations

import doctest
import importlib

import pytest
import torch
from _eval_fixtures import one_torch_thread

from mlmcourse.finetune.convert import from_hf, from_masked_lm, to_hf
from mlmcourse.finetune.heads import SequenceClassifier, TokenClassifier
from mlmcourse.model import EncoderConfig, MaskedLM


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def _batch(vocab_size: int = 60):
    generator = torch.Generator().manual_seed(1)
    input_ids = torch.randint(5, vocab_size, (3, 9), generator=generator)  # (batch, seq)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 6:] = 0  # a padded row
    attention_mask[2, 4:] = 0
    return input_ids, attention_mask


CONFIG = EncoderConfig.preset("tiny", vocab_size=60, num_layers=2, max_position=32, dropout=0.0, attention_dropout=0.0)


@pytest.mark.parametrize("head", [SequenceClassifier, TokenClassifier])
def test_logits_and_loss_equal_transformers_given_the_same_weights(head):
    torch.manual_seed(0)
    ours = head(CONFIG, num_labels=3).eval()
    theirs = to_hf(ours, ["a", "b", "c"]).eval()
    assert type(theirs).__name__ == ("BertForSequenceClassification" if head is SequenceClassifier
                                     else "BertForTokenClassification")
    input_ids, attention_mask = _batch()
    labels = (torch.tensor([0, 2, 1]) if head is SequenceClassifier
              else torch.where(attention_mask.bool(), input_ids % 3, -100))
    with torch.no_grad():
        mine = ours(input_ids, attention_mask, labels=labels)
        reference = theirs(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    real = attention_mask.bool() if head is TokenClassifier else slice(None)
    assert torch.allclose(mine.logits[real], reference.logits[real], atol=1e-5), \
        (mine.logits[real] - reference.logits[real]).abs().max()
    assert abs(float(mine.loss) - float(reference.loss)) < 1e-5
    assert theirs.config.id2label == {0: "a", 1: "b", 2: "c"}


@pytest.mark.parametrize("head", [SequenceClassifier, TokenClassifier])
def test_transformers_weights_load_into_ours(head):
    from transformers import BertForSequenceClassification, BertForTokenClassification

    from mlmcourse.model.hf import bert_config

    torch.manual_seed(3)
    config = bert_config(CONFIG)
    config.num_labels = 4
    theirs = (BertForSequenceClassification if head is SequenceClassifier else BertForTokenClassification)(config)
    theirs.eval()
    ours = from_hf(theirs).eval()
    assert isinstance(ours, head) and ours.num_labels == 4
    input_ids, attention_mask = _batch()
    with torch.no_grad():
        expected = theirs(input_ids=input_ids, attention_mask=attention_mask).logits
        got = ours(input_ids, attention_mask).logits
    assert torch.allclose(got, expected, atol=1e-5)


def test_the_pooler_is_dense_then_tanh_on_the_first_token():
    torch.manual_seed(0)
    model = SequenceClassifier(CONFIG, num_labels=2).eval()
    input_ids, attention_mask = _batch()
    with torch.no_grad():
        hidden = model.encoder(input_ids, attention_mask)  # (batch, seq, hidden)
        by_hand = model.classifier(torch.tanh(hidden[:, 0] @ model.pooler.weight.T + model.pooler.bias))
        assert torch.allclose(model(input_ids, attention_mask).logits, by_hand, atol=1e-6)


def test_a_classifier_from_a_masked_lm_keeps_its_encoder_and_gets_a_new_head():
    torch.manual_seed(0)
    masked_lm = MaskedLM(CONFIG).eval()
    classifier = from_masked_lm(masked_lm, num_labels=2, task_kind="sequence").eval()
    input_ids, attention_mask = _batch()
    with torch.no_grad():
        expected, _ = masked_lm.encode(input_ids, attention_mask)
        assert torch.equal(classifier.encoder(input_ids, attention_mask), expected)
    assert not any(name.startswith("head.") for name in classifier.state_dict())
    tagger = from_masked_lm(masked_lm, num_labels=5, task_kind="token", dropout=0.3)
    assert tagger.config.dropout == 0.3 and tagger.classifier.out_features == 5


def test_mean_pooling_ignores_padding_and_has_no_bert_twin():
    torch.manual_seed(0)
    model = SequenceClassifier(CONFIG, num_labels=2, pooling="mean").eval()
    assert model.pooler is None
    input_ids, attention_mask = _batch()
    with torch.no_grad():
        padded = model(input_ids[1:2], attention_mask[1:2]).logits
        trimmed = model(input_ids[1:2, :6], attention_mask[1:2, :6]).logits
    assert torch.allclose(padded, trimmed, atol=1e-5)
    with pytest.raises(ValueError, match="no BERT equivalent"):
        to_hf(model)


def test_bad_heads_are_refused():
    with pytest.raises(ValueError, match="at least 2 labels"):
        SequenceClassifier(CONFIG, num_labels=1)
    with pytest.raises(ValueError, match="pooling must be one of"):
        SequenceClassifier(CONFIG, num_labels=2, pooling="max")
    with pytest.raises(TypeError, match="BertForSequenceClassification or BertForTokenClassification"):
        from_hf(MaskedLM(CONFIG))


@pytest.mark.parametrize("module", ["metrics", "data", "encoding", "heads", "convert", "config", "loop", "tasks",
                                    "pydocs_topic", "curves"])
def test_the_package_doctests_pass(module):
    results = doctest.testmod(importlib.import_module(f"mlmcourse.finetune.{module}"))
    assert results.failed == 0 and results.attempted > 0


def test_the_auto_model_and_loading_doctests_pass():
    import mlmcourse.inference.loading as loading
    import mlmcourse.model.auto as auto

    for module in (auto, loading):
        results = doctest.testmod(module)
        assert results.failed == 0 and results.attempted > 0
