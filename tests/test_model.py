"""The from-scratch encoder: config, attention paths, loss, sparse head, parameter counts, errors."""

from __future__ import annotations

import pytest
import torch

from mlmcourse.model import (
    IGNORE_INDEX,
    EncoderConfig,
    MaskedLM,
    SelfAttention,
    attention_eager,
    count_parameters,
    padding_bias,
)

VOCAB = 99


def tiny_config(**changes) -> EncoderConfig:
    """Hugging Face's tester shape: vocab 99, hidden 64, 2 layers, 4 heads, intermediate 37."""
    values = dict(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=37, max_position=32)
    return EncoderConfig(**{**values, **changes})


def padded_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Three sequences of length 9, 6 and 3 (padded with id 0)."""
    generator = torch.Generator().manual_seed(1)
    input_ids = torch.randint(5, VOCAB, (3, 9), generator=generator)  # (batch, seq)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 6:] = 0
    attention_mask[2, 3:] = 0
    return input_ids.masked_fill(attention_mask == 0, 0), attention_mask


def some_labels(input_ids: torch.Tensor) -> torch.Tensor:
    """Labels at 5 positions (the rest -100)."""
    labels = torch.full_like(input_ids, IGNORE_INDEX)
    for row, column in [(0, 0), (0, 4), (0, 8), (1, 2), (2, 1)]:
        labels[row, column] = (input_ids[row, column] + 7) % VOCAB
    return labels


# --- config -------------------------------------------------------------------------------------------------------

def test_preset_docstring_example():
    config = EncoderConfig.preset("tiny", vocab_size=1000)
    assert (config.num_layers, config.hidden_size, config.num_heads, config.head_size,
            config.intermediate_size) == (2, 128, 2, 64, 512)
    assert EncoderConfig.preset("tiny", vocab_size=5000, pre_ln=True).pre_ln is True


def test_base_preset_is_bert_base_shape():
    base = EncoderConfig.preset("base")
    assert (base.num_layers, base.hidden_size, base.num_heads, base.intermediate_size, base.max_position) == (
        12, 768, 12, 3072, 512)


@pytest.mark.parametrize(("build", "words"), [
    (lambda: EncoderConfig.preset("huge"), "unknown preset"),
    (lambda: EncoderConfig.preset("tiny", hidden=3), "no field"),
    (lambda: EncoderConfig(hidden_size=100, num_heads=3), "not divisible by num_heads"),
    (lambda: EncoderConfig(vocab_size=0), "positive integer"),
    (lambda: EncoderConfig(attention="flash"), "'sdpa', 'eager' or 'nystrom'"),
    (lambda: EncoderConfig(dropout=1.5), "dropout"),
])
def test_bad_config_is_a_clear_error(build, words):
    with pytest.raises(ValueError, match=words):
        build()


def test_config_dict_round_trip():
    config = EncoderConfig.preset("mini", vocab_size=321, pre_ln=True)
    assert EncoderConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown EncoderConfig field"):
        EncoderConfig.from_dict({**config.to_dict(), "heads": 3})


# --- attention ----------------------------------------------------------------------------------------------------

def test_padding_bias_docstring_example():
    bias = padding_bias(torch.tensor([[1, 1, 0]]), torch.float32)
    assert bias.shape == (1, 1, 1, 3)
    assert bias[0, 0, 0].tolist() == [0.0, 0.0, torch.finfo(torch.float32).min]


def test_attention_eager_docstring_example():
    query = key = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    value = torch.tensor([[[[10.0, 0.0], [0.0, 10.0]]]])
    output, weights = attention_eager(query, key, value, padding_bias(torch.tensor([[1, 0]]), torch.float32))
    assert weights[0, 0].tolist() == [[1.0, 0.0], [1.0, 0.0]]
    assert output[0, 0].tolist() == [[10.0, 0.0], [10.0, 0.0]]


def test_attention_eager_is_the_formula():
    """softmax(Q K^T / sqrt(d)) V, computed by hand for one unmasked head."""
    generator = torch.Generator().manual_seed(2)
    query, key, value = (torch.randn(1, 1, 4, 8, generator=generator) for _ in range(3))
    output, weights = attention_eager(query, key, value)
    expected_weights = torch.softmax(query[0, 0] @ key[0, 0].T / 8**0.5, dim=-1)
    torch.testing.assert_close(weights[0, 0], expected_weights)
    torch.testing.assert_close(output[0, 0], expected_weights @ value[0, 0])


def test_sdpa_and_eager_paths_agree():
    torch.manual_seed(3)
    attention = SelfAttention(tiny_config()).eval()
    hidden = torch.randn(3, 9, 64)  # (batch, seq, hidden)
    _, attention_mask = padded_batch()
    fused, no_weights = attention(hidden, attention_mask)
    attention.implementation = "eager"
    explicit, also_none = attention(hidden, attention_mask)
    assert no_weights is None and also_none is None
    assert (fused - explicit).abs().max().item() < 1e-5


def test_whole_model_sdpa_equals_eager_and_weights_ignore_padding():
    torch.manual_seed(4)
    model = MaskedLM(tiny_config()).eval()
    input_ids, attention_mask = padded_batch()
    with torch.no_grad():
        fused = model(input_ids, attention_mask).logits  # (batch, seq, vocab)
        explicit = model(input_ids, attention_mask, output_attentions=True)
    assert (fused - explicit.logits).abs().max().item() < 1e-5
    assert len(explicit.attentions) == 2 and explicit.attentions[0].shape == (3, 4, 9, 9)
    for weights in explicit.attentions:
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, 9))  # each row is a distribution
        assert weights[1, :, :, 6:].abs().max().item() == 0.0  # padded keys get no weight
        assert weights[2, :, :, 3:].abs().max().item() == 0.0


def test_fully_padded_row_stays_finite():
    model = MaskedLM(tiny_config()).eval()
    input_ids, attention_mask = padded_batch()
    attention_mask[2] = 0
    with torch.no_grad():
        assert torch.isfinite(model(input_ids, attention_mask).logits).all()


# --- initialisation, shapes, loss -----------------------------------------------------------------------------------

def test_bert_initialisation():
    torch.manual_seed(5)
    model = MaskedLM(EncoderConfig.preset("mini", vocab_size=2000))
    weight = model.layers[0].feed_forward.dense_in.weight
    assert abs(weight.std().item() - 0.02) < 0.001 and abs(weight.mean().item()) < 0.001
    assert model.layers[0].attention.qkv.bias.abs().max().item() == 0.0
    assert model.head.bias.abs().max().item() == 0.0
    assert torch.equal(model.layers[1].attention_norm.weight, torch.ones(256))
    assert model.embeddings.token.weight[0].abs().max().item() == 0.0  # the [PAD] row
    assert abs(model.embeddings.token.weight[1:].std().item() - 0.02) < 0.001


def test_output_shapes_dense_and_sparse():
    model = MaskedLM(tiny_config()).eval()
    input_ids, attention_mask = padded_batch()
    labels = some_labels(input_ids)
    assert model(input_ids, attention_mask).logits.shape == (3, 9, VOCAB)
    assert model(input_ids, attention_mask, labels=labels).logits.shape == (5, VOCAB)  # sparse_head default
    assert model(input_ids, attention_mask, labels=labels, sparse=False).logits.shape == (3, 9, VOCAB)
    dense_model = MaskedLM(tiny_config(sparse_head=False)).eval()
    assert dense_model(input_ids, attention_mask, labels=labels).logits.shape == (3, 9, VOCAB)


def test_loss_is_mean_cross_entropy_over_predicted_tokens_only():
    model = MaskedLM(tiny_config()).eval()
    input_ids, attention_mask = padded_batch()
    labels = some_labels(input_ids)
    output = model(input_ids, attention_mask, labels=labels, sparse=False)
    log_probs = output.logits.log_softmax(-1)  # (batch, seq, vocab)
    picked = [-log_probs[row, column, labels[row, column]] for row, column in (labels != IGNORE_INDEX).nonzero()]
    assert len(picked) == 5
    torch.testing.assert_close(output.loss, torch.stack(picked).mean())


def test_sparse_head_equals_dense_head_loss_logits_and_gradients():
    """Same masks, same dropout draws: the sparse head changes only what is computed, not the result."""
    model = MaskedLM(tiny_config(dropout=0.1, attention_dropout=0.1)).train()
    input_ids, attention_mask = padded_batch()
    labels = some_labels(input_ids)
    results = {}
    for sparse in (False, True):
        model.zero_grad()
        torch.manual_seed(6)  # identical dropout masks in both runs
        output = model(input_ids, attention_mask, labels=labels, sparse=sparse)
        output.loss.backward()
        gradients = {name: parameter.grad.clone() for name, parameter in model.named_parameters()}
        results[sparse] = output, gradients
    (dense, dense_grads), (sparse, sparse_grads) = results[False], results[True]
    assert abs(sparse.loss.item() - dense.loss.item()) <= 1e-6 * abs(dense.loss.item())
    torch.testing.assert_close(sparse.logits, dense.logits[labels != IGNORE_INDEX], rtol=1e-5, atol=1e-6)
    assert set(sparse_grads) == set(dense_grads)
    for name, gradient in dense_grads.items():
        torch.testing.assert_close(sparse_grads[name], gradient, rtol=1e-5, atol=1e-7, msg=name)
    assert dense_grads["embeddings.token.weight"].abs().sum() > 0  # the check compared real gradients


def test_pre_ln_model_trains_a_step():
    torch.manual_seed(7)
    model = MaskedLM(tiny_config(pre_ln=True))
    assert isinstance(model.final_norm, torch.nn.LayerNorm)
    input_ids, attention_mask = padded_batch()
    labels = some_labels(input_ids)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = model(input_ids, attention_mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[2] < losses[0]  # the same batch three times: the loss must fall


def test_dense_path_compiles_without_graph_breaks():
    """fullgraph=True fails on any data-dependent Python control flow in the dense path."""
    model = MaskedLM(tiny_config()).eval()
    input_ids, attention_mask = padded_batch()
    compiled = torch.compile(model, backend="eager", fullgraph=True)
    with torch.no_grad():
        torch.testing.assert_close(compiled(input_ids, attention_mask).logits, model(input_ids, attention_mask).logits)


# --- parameter counts -----------------------------------------------------------------------------------------------

def test_count_parameters_docstring_example():
    counts = count_parameters(EncoderConfig.preset("tiny", vocab_size=1000))
    assert counts == {"embeddings": 194048, "layers": 396544, "head": 17768, "total": 608360}
    assert count_parameters(MaskedLM(EncoderConfig.preset("tiny", vocab_size=1000))) == counts


@pytest.mark.parametrize("config", [
    EncoderConfig.preset("mini", vocab_size=500), tiny_config(pre_ln=True), tiny_config(type_vocab_size=1)])
def test_formula_matches_the_built_model(config):
    model = MaskedLM(config)
    counted = count_parameters(model)
    assert counted == count_parameters(config)
    assert counted["total"] == sum(parameter.numel() for parameter in model.parameters())


def test_count_parameters_rejects_other_objects():
    with pytest.raises(TypeError, match="MaskedLM or an EncoderConfig"):
        count_parameters("tiny")
    with pytest.raises(ValueError, match="no known part"):
        count_parameters(torch.nn.Linear(2, 2))


# --- learner errors -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "words"), [
    (lambda ids, mask, labels: (ids[0], None, None), r"must be \(batch, seq\)"),
    (lambda ids, mask, labels: (torch.zeros(1, 40, dtype=torch.long), None, None), "exceeds max_position 32"),
    (lambda ids, mask, labels: (ids + VOCAB, mask, None), "outside the model's vocabulary"),
    (lambda ids, mask, labels: (ids, mask[:, :5], None), "attention_mask shape"),
    (lambda ids, mask, labels: (ids, mask, labels[:, :5]), "labels must have the shape"),
])
def test_bad_inputs_are_clear_errors(change, words):
    model = MaskedLM(tiny_config())
    input_ids, attention_mask = padded_batch()
    input_ids, attention_mask, labels = change(input_ids, attention_mask, some_labels(input_ids))
    with pytest.raises(ValueError, match=words):
        model(input_ids, attention_mask, labels=labels)



def test_docstring_examples_run():
    """Every worked example in the model's docstrings still gives what it says."""
    import doctest

    from mlmcourse.model import attention, config, hf, parameters

    for module in (config, attention, parameters, hf):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__
