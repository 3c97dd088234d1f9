"""AttentionViewer and its pure function attention_maps, checked against BertForMaskedLM's own attentions."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
from test_model_hf import wordpiece_tokenizer  # noqa: E402
from transformers import BertConfig, BertForMaskedLM  # noqa: E402

import mlmcourse.widgets  # noqa: E402
from mlmcourse.model import EncoderConfig, MaskedLM  # noqa: E402
from mlmcourse.widgets.attention_viewer import MEAN_OF_HEADS, AttentionViewer, attention_maps  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer():
    return wordpiece_tokenizer()


@pytest.fixture
def model(tokenizer):
    torch.manual_seed(21)
    return MaskedLM(EncoderConfig.preset("tiny", vocab_size=len(tokenizer), num_heads=4, max_position=16))


def test_attention_maps_shape_tokens_and_rows(model, tokenizer):
    tokens, maps = attention_maps(model, tokenizer, "the dog barked at me .")
    assert tokens == ["[CLS]", "the", "dog", "barked", "at", "me", ".", "[SEP]"]
    assert maps.shape == (2, 4, 8, 8)
    torch.testing.assert_close(maps.sum(-1), torch.ones(2, 4, 8))
    assert model.training  # the mode is restored after the eval-mode pass


def test_attention_maps_equal_hugging_face_attentions(tokenizer):
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, attn_implementation="eager")
    theirs = BertForMaskedLM(config).eval()
    with torch.no_grad():
        for parameter in theirs.parameters():
            parameter.mul_(20.0)  # sharper attention than at initialisation
    tokens, maps = attention_maps(theirs, tokenizer, "paris is the <mask> of france .")
    assert tokens[4] == "[MASK]"
    encoded = tokenizer("paris is the [MASK] of france .", return_tensors="pt")
    with torch.no_grad():
        reference = torch.stack([weights[0] for weights in theirs(**encoded, output_attentions=True).attentions])
    assert maps.shape == reference.shape == (2, 4, 9, 9)
    assert reference.max() > 0.5  # not uniform: the comparison means something
    assert (maps - reference).abs().max().item() < 1e-5


def test_attention_maps_errors(model, tokenizer):
    with pytest.raises(ValueError, match="type a sentence"):
        attention_maps(model, tokenizer, "   ")
    with pytest.raises(ValueError, match="at most 16"):
        attention_maps(model, tokenizer, "the cat sat on the mat . " * 3)


def test_viewer_follows_its_controls(model, tokenizer):
    viewer = AttentionViewer(model, tokenizer, text="the dog barked at me .")
    _, maps = attention_maps(model, tokenizer, "the dog barked at me .")
    assert [value for _, value in viewer.layer.options] == [0, 1]
    assert [value for _, value in viewer.head.options] == [MEAN_OF_HEADS, 0, 1, 2, 3]
    assert viewer.layer.value == 1 and viewer.head.value == 0
    torch.testing.assert_close(torch.as_tensor(viewer.axes.images[0].get_array()), maps[1, 0])

    viewer.layer.value, viewer.head.value = 0, 2
    torch.testing.assert_close(torch.as_tensor(viewer.axes.images[0].get_array()), maps[0, 2])
    assert viewer.axes.get_title() == "layer 1, head 3"
    assert [label.get_text() for label in viewer.axes.get_xticklabels()][1:3] == ["the", "dog"]

    viewer.head.value = MEAN_OF_HEADS
    torch.testing.assert_close(viewer.current_map(), maps[0].mean(0))

    viewer.text.value = "the cat sat on the mat ."
    assert viewer.tokens[1:4] == ["the", "cat", "sat"] and viewer.maps.shape == (2, 4, 9, 9)


def test_a_mask_in_any_case_is_the_mask_token(model, tokenizer):
    for text in ("the [mask] barked .", "the <MASK> barked .", "the <Mask> barked ."):
        tokens, maps = attention_maps(model, tokenizer, text)
        assert tokens == ["[CLS]", "the", "[MASK]", "barked", ".", "[SEP]"] and maps.shape[-1] == 6
    viewer = AttentionViewer(model, tokenizer, text="the [mask] barked .")
    assert viewer.tokens[2] == "[MASK]"


def test_viewer_messages_are_escaped(model, tokenizer, monkeypatch):
    import mlmcourse.widgets.attention_viewer as module

    def refuse(*args):
        raise ValueError("write <mask> where a word is missing")

    viewer = AttentionViewer(model, tokenizer)
    monkeypatch.setattr(module, "attention_maps", refuse)
    viewer.text.value = "anything"
    assert "&lt;mask&gt;" in viewer.message.value


def test_viewer_shows_bad_input_as_a_message(model, tokenizer):
    viewer = AttentionViewer(model, tokenizer, max_tokens=8)
    viewer.text.value = ""
    assert "type a sentence" in viewer.message.value and viewer.maps is None
    viewer.text.value = "the cat sat on the mat ."  # 9 tokens > max_tokens
    assert "too many" in viewer.message.value
    viewer.text.value = "the cat sat ."
    assert viewer.message.value == "" and viewer.tokens[-1] == "[SEP]"


def test_viewer_is_registered():
    assert mlmcourse.widgets.AttentionViewer is AttentionViewer
