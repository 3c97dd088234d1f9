"""Our Nyström MaskedLM against transformers.NystromformerForMaskedLM: same weights, same logits; checkpoints."""

from __future__ import annotations

import doctest
import json

import pytest
import torch
from test_model_hf import wordpiece_tokenizer
from transformers import AutoModelForMaskedLM, NystromformerConfig, NystromformerForMaskedLM

from mlmcourse.model import EncoderConfig, MaskedLM, count_parameters, from_hf, hf_nystrom
from mlmcourse.model.hf_nystrom import from_nystromformer_state_dict, to_nystromformer_state_dict

VOCAB = 99
SEQ = 64  # transformers' Nystromformer runs inputs of exactly segment_means_seq_len tokens
TOLERANCE = 1e-4


def hf_tiny(num_landmarks: int = 8, hidden_act: str = "gelu_new", seed: int = 11) -> NystromformerForMaskedLM:
    """A tiny random Nystromformer (hidden 64, 2 layers, seq 64), weights spread out so mismatches show."""
    config = NystromformerConfig(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                                 intermediate_size=37, max_position_embeddings=SEQ, segment_means_seq_len=SEQ,
                                 num_landmarks=num_landmarks, conv_kernel_size=5, hidden_act=hidden_act,
                                 pad_token_id=0)
    torch.manual_seed(seed)
    model = NystromformerForMaskedLM(config).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():  # LayerNorms, biases and convolutions too: none may be skipped
            parameter.add_(0.2 * torch.randn(parameter.shape, generator=generator))
    return model


def several_inputs() -> list[dict[str, torch.Tensor]]:
    """Unpadded batches of SEQ tokens: with token types, with an all-ones mask, a batch of one."""
    generator = torch.Generator().manual_seed(12)
    batches = []
    for batch in (3, 1):
        input_ids = torch.randint(1, VOCAB, (batch, SEQ), generator=generator)  # (batch, seq)
        token_type_ids = (torch.arange(SEQ)[None, :] >= SEQ // 2).long().expand(batch, SEQ)  # (batch, seq)
        batches.append(dict(input_ids=input_ids, token_type_ids=token_type_ids))
        batches.append(dict(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)))
    return batches


def max_abs_difference(ours: MaskedLM, theirs: NystromformerForMaskedLM) -> float:
    with torch.no_grad():
        return max((ours(**batch).logits - theirs(**batch).logits).abs().max().item() for batch in several_inputs())


@pytest.mark.parametrize("num_landmarks", [8, 16, SEQ])  # SEQ: both take the exact-softmax branch
@pytest.mark.parametrize("hidden_act", ["gelu_new", "gelu"])
def test_from_hf_gives_the_same_logits(num_landmarks, hidden_act):
    theirs = hf_tiny(num_landmarks, hidden_act)
    ours = from_hf(theirs)
    assert ours.config.attention == "nystrom" and ours.config.num_landmarks == num_landmarks
    assert ours.config.activation == ("gelu_tanh" if hidden_act == "gelu_new" else "gelu")
    with torch.no_grad():
        assert theirs(**several_inputs()[0]).logits.abs().max().item() > 1.0  # logits of a meaningful size
    assert max_abs_difference(ours, theirs) < TOLERANCE
    assert count_parameters(ours)["total"] == theirs.num_parameters() - 2 * 64  # their 2 unused position rows


def test_the_same_logits_need_every_ingredient():
    """Each part matters: without the convolution, with exact attention or without the position offset, the logits
    are far from transformers' (so the equality above is not an accident of tiny differences)."""
    theirs = hf_tiny()
    ours = from_hf(theirs)
    without_convolution = {name: tensor for name, tensor in ours.state_dict().items() if "value_convolution" not in name}
    for change in (dict(conv_kernel_size=None), dict(attention="sdpa")):
        other = MaskedLM(ours.config.replace(**change)).eval()
        other.load_state_dict(without_convolution)
        assert max_abs_difference(other, theirs) > 0.1, change
    with torch.no_grad():  # positions read without the offset: their rows 0.. instead of 2..
        ours.embeddings.position.weight.copy_(theirs.nystromformer.embeddings.position_embeddings.weight[:SEQ])
    assert max_abs_difference(ours, theirs) > 0.1


def test_losses_match_transformers():
    theirs = hf_tiny()
    ours = from_hf(theirs)
    batch = several_inputs()[0]
    labels = torch.full_like(batch["input_ids"], -100)
    labels[0, 1], labels[0, 40], labels[1, 3], labels[2, 63] = 4, 50, 98, 7
    with torch.no_grad():
        reference = theirs(**batch, labels=labels).loss.item()
        for sparse in (False, True):
            assert abs(ours(**batch, labels=labels, sparse=sparse).loss.item() - reference) <= 1e-5 * reference


def test_to_hf_round_trips_exactly_and_the_position_offset_is_two():
    torch.manual_seed(13)
    config = EncoderConfig(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=37,
                           max_position=SEQ, attention="nystrom", num_landmarks=8, conv_kernel_size=5)
    ours = MaskedLM(config).eval()
    theirs = ours.to_hf()
    assert isinstance(theirs, NystromformerForMaskedLM) and not theirs.training
    assert theirs.config.segment_means_seq_len == SEQ
    table = theirs.nystromformer.embeddings.position_embeddings.weight  # (SEQ + 2, hidden)
    assert torch.equal(table[2:], ours.embeddings.position.weight)  # their row 2 is our row 0
    assert max_abs_difference(ours, theirs) < TOLERANCE
    again = from_hf(theirs)
    for name, tensor in ours.state_dict().items():
        assert torch.equal(again.state_dict()[name], tensor), name
    assert theirs.cls.predictions.decoder.weight.data_ptr() == theirs.nystromformer.embeddings.word_embeddings.weight.data_ptr()


def test_a_saved_nystromformer_folder_loads_as_our_model(tmp_path):
    theirs = hf_tiny()
    theirs.save_pretrained(tmp_path)
    wordpiece_tokenizer().save_pretrained(tmp_path)
    ours = MaskedLM.from_pretrained(tmp_path)
    assert max_abs_difference(ours, theirs) < TOLERANCE

    from mlmcourse.inference import load_model

    loaded, tokenizer = load_model(tmp_path)  # the course's loader reads it as our MaskedLM too
    assert isinstance(loaded, MaskedLM) and loaded.config.attention == "nystrom"
    assert tokenizer.mask_token == "[MASK]"


def test_our_saved_nystrom_model_loads_in_transformers(tmp_path):
    torch.manual_seed(14)
    config = EncoderConfig(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=37,
                           max_position=SEQ, attention="nystrom", num_landmarks=8, conv_kernel_size=5,
                           sparse_head=False)
    ours = MaskedLM(config).eval()
    ours.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["architectures"] == ["NystromformerForMaskedLM"] and saved["model_type"] == "nystromformer"
    theirs, info = AutoModelForMaskedLM.from_pretrained(tmp_path, output_loading_info=True)
    assert isinstance(theirs, NystromformerForMaskedLM)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert max_abs_difference(ours, theirs.eval()) < TOLERANCE
    loaded = MaskedLM.from_pretrained(tmp_path)
    assert loaded.config == config  # our own settings (sparse_head) survive config.json


@pytest.mark.parametrize("change", [dict(pinv_scale="matrix"), dict(conv_kernel_size=None), dict(max_position=60)])
def test_what_transformers_cannot_hold_is_saved_in_our_layout(tmp_path, change):
    config = EncoderConfig(vocab_size=VOCAB, hidden_size=64, num_layers=1, num_heads=4, intermediate_size=37,
                           max_position=SEQ, attention="nystrom", num_landmarks=8, conv_kernel_size=5).replace(**change)
    ours = MaskedLM(config).eval()
    with pytest.raises(ValueError, match="transformers|multiple of"):
        ours.to_hf()
    ours.save_pretrained(tmp_path)
    assert (tmp_path / "mlmcourse_config.json").exists() and not (tmp_path / "config.json").exists()
    loaded = MaskedLM.from_pretrained(tmp_path)
    input_ids = torch.randint(1, VOCAB, (2, 56))
    with torch.no_grad():
        assert torch.equal(loaded(input_ids).logits, ours(input_ids).logits)


def test_refusals_say_why():
    relu = hf_tiny(hidden_act="relu")
    with pytest.raises(ValueError, match="GELU"):
        from_hf(relu)
    untied = hf_tiny()
    untied.cls.predictions.decoder.weight = torch.nn.Parameter(untied.cls.predictions.decoder.weight.detach() + 1)
    with pytest.raises(ValueError, match="untied decoder"):
        from_hf(untied)
    state = to_nystromformer_state_dict(from_hf(hf_tiny()).state_dict(), num_layers=2)
    del state["nystromformer.encoder.layer.1.attention.self.conv.weight"]
    with pytest.raises(ValueError, match="lacks 1 NystromformerForMaskedLM tensor"):
        from_nystromformer_state_dict(state, num_layers=2)


def test_transformers_padding_reads_the_padding_and_ours_does_not():
    """Why padding is zeroed here: transformers' attention (given the (batch, 1, 1, seq) mask its code was written
    for) lets the content of padded positions change the outputs of real tokens."""
    theirs = hf_tiny()
    attention = theirs.nystromformer.encoder.layer[0].attention.self
    ours = from_hf(theirs).layers[0].attention
    generator = torch.Generator().manual_seed(15)
    hidden = torch.randn(1, SEQ, 64, generator=generator)
    other_padding = hidden.clone()
    other_padding[0, 40:] = torch.randn(SEQ - 40, 64, generator=generator)
    mask = (torch.arange(SEQ) < 40).long()[None]  # (1, seq): the last 24 positions are padding
    additive = (1 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min  # (1, 1, 1, seq)
    with torch.no_grad():
        theirs_change = (attention(hidden, additive)[0] - attention(other_padding, additive)[0])[0, :40].abs().max()
        ours_change = (ours(hidden, mask)[0] - ours(other_padding, mask)[0])[0, :40].abs().max()
        unpadded = (ours(hidden)[0] - attention(hidden)[0] @ ours.output.weight.T - ours.output.bias).abs().max()
    assert theirs_change > 1e-2
    assert ours_change < 1e-5
    assert unpadded < 1e-4  # without padding, the two layers agree


def test_docstring_examples_run():
    result = doctest.testmod(hf_nystrom, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
