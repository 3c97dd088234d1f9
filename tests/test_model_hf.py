"""Our MaskedLM against transformers.BertForMaskedLM: same weights, same logits; saving, loading, pipelines."""

from __future__ import annotations

import json

import pytest
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast, pipeline

from mlmcourse.model import EncoderConfig, MaskedLM, count_parameters, from_hf
from mlmcourse.model.io import from_pretrained

VOCAB = 99
TOLERANCE = 1e-5


def hf_tiny(hidden_size: int = 64, attn_implementation: str = "sdpa") -> BertForMaskedLM:
    """Hugging Face's own tester shape, with weights spread out so that any mismatch shows in the logits."""
    config = BertConfig(vocab_size=VOCAB, hidden_size=hidden_size, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=32, attn_implementation=attn_implementation)
    model = BertForMaskedLM(config).eval()
    generator = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for parameter in model.parameters():  # LayerNorms and biases too, so none of them may be skipped
            parameter.add_(0.2 * torch.randn(parameter.shape, generator=generator))
    return model


def several_inputs() -> list[dict[str, torch.Tensor]]:
    """Batches with padding (right-padded, different lengths), token types, and a batch of one."""
    generator = torch.Generator().manual_seed(12)
    batches = []
    for batch, seq, lengths in [(3, 9, [9, 6, 3]), (2, 17, [17, 10]), (1, 5, [5])]:
        input_ids = torch.randint(1, VOCAB, (batch, seq), generator=generator)  # (batch, seq)
        attention_mask = (torch.arange(seq)[None, :] < torch.tensor(lengths)[:, None]).long()  # (batch, seq)
        token_type_ids = (torch.arange(seq)[None, :] >= seq // 2).long().expand(batch, seq)  # (batch, seq)
        batches.append(dict(input_ids=input_ids.masked_fill(attention_mask == 0, 0), attention_mask=attention_mask,
                            token_type_ids=token_type_ids))
    batches.append({key: value for key, value in batches[0].items() if key != "token_type_ids"})
    return batches


def max_abs_difference(ours: MaskedLM, theirs: BertForMaskedLM) -> float:
    with torch.no_grad():
        return max((ours(**batch).logits - theirs(**batch).logits).abs().max().item() for batch in several_inputs())


@pytest.mark.parametrize("hidden_size", [64, 32])
@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_from_hf_gives_the_same_logits(hidden_size, attention):
    theirs = hf_tiny(hidden_size)
    ours = from_hf(theirs, attention=attention)
    assert not ours.training  # the mode is copied too
    with torch.no_grad():
        scale = theirs(**several_inputs()[0]).logits.abs().max().item()
    assert scale > 1.0  # the comparison is on logits of a meaningful size
    assert max_abs_difference(ours, theirs) < TOLERANCE


def test_to_hf_gives_the_same_logits_and_round_trips_exactly():
    torch.manual_seed(13)
    ours = MaskedLM(EncoderConfig(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=37,
                                  max_position=32)).eval()
    theirs = ours.to_hf()
    assert isinstance(theirs, BertForMaskedLM) and not theirs.training
    assert max_abs_difference(ours, theirs) < TOLERANCE
    again = from_hf(theirs)
    for name, tensor in ours.state_dict().items():
        assert torch.equal(again.state_dict()[name], tensor), name
    # the decoder stays tied to the token embeddings in the HF model
    assert theirs.cls.predictions.decoder.weight.data_ptr() == theirs.bert.embeddings.word_embeddings.weight.data_ptr()


def test_losses_match_hugging_face_dense_and_sparse():
    theirs = hf_tiny()
    ours = from_hf(theirs)
    batch = several_inputs()[0]
    labels = torch.full_like(batch["input_ids"], -100)
    labels[0, 1], labels[0, 7], labels[1, 3], labels[2, 0] = 4, 50, 98, 7
    with torch.no_grad():
        reference = theirs(**batch, labels=labels).loss.item()
        for sparse in (False, True):
            loss = ours(**batch, labels=labels, sparse=sparse).loss.item()
            assert abs(loss - reference) <= 1e-6 * reference


def test_parameter_count_matches_hugging_face():
    theirs = hf_tiny()
    assert count_parameters(from_hf(theirs))["total"] == theirs.num_parameters()


def test_pre_ln_cannot_become_bert():
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=VOCAB, pre_ln=True))
    with pytest.raises(ValueError, match="pre-LN"):
        model.to_hf()


def test_from_hf_refuses_what_it_cannot_express():
    with pytest.raises(TypeError, match="MaskedLM.from_pretrained"):
        from_hf("bert-base-uncased")
    relu = BertForMaskedLM(BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                                      intermediate_size=37, hidden_act="relu"))
    with pytest.raises(ValueError, match="exact GELU"):
        from_hf(relu)
    untied = hf_tiny()
    untied.cls.predictions.decoder.weight = torch.nn.Parameter(untied.cls.predictions.decoder.weight.detach() + 1)
    with pytest.raises(ValueError, match="untied decoder"):
        from_hf(untied)


# --- saving and loading ---------------------------------------------------------------------------------------------

TEXTS = ["the dog barked at me .", "the cat sat on the mat .", "paris is the capital of france .",
         "a dog and a cat played .", "rome is the capital of italy ."]


def wordpiece_tokenizer() -> PreTrainedTokenizerFast:
    """A small BERT-style tokenizer built offline from TEXTS: [PAD] [UNK] [CLS] [SEP] [MASK] + the words."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = sorted({word for text in TEXTS for word in text.split()})
    vocab = {token: index for index, token in enumerate(specials + words)}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def test_saved_folder_works_in_the_fill_mask_pipeline(tmp_path):
    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(14)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=len(tokenizer), max_position=64)).eval()
    with torch.no_grad():  # a random model is too flat to have a clear winner: make "cat" the favourite
        model.head.bias[tokenizer.convert_tokens_to_ids("cat")] = 5.0
    folder = model.save_pretrained(tmp_path / "saved", tokenizer=tokenizer)
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {path.name for path in folder.iterdir()}
    assert json.loads((folder / "config.json").read_text())["architectures"] == ["BertForMaskedLM"]

    fill_mask = pipeline("fill-mask", model=str(folder), tokenizer=str(folder))
    for text in ["the [MASK] barked at me .", "paris is the [MASK] of france ."]:
        predictions = fill_mask(text, top_k=3)
        encoded = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            logits = model(**encoded).logits[0]  # (seq, vocab)
        position = encoded["input_ids"][0].tolist().index(tokenizer.mask_token_id)
        probabilities = logits[position].softmax(-1)  # (vocab,)
        assert predictions[0]["token"] == int(probabilities.argmax())
        assert abs(predictions[0]["score"] - probabilities.max().item()) < 1e-5
        assert predictions[0]["token_str"] == "cat"


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(15)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=VOCAB, sparse_head=False, max_position=64)).eval()
    model.save_pretrained(tmp_path)
    loaded = MaskedLM.from_pretrained(tmp_path)
    assert loaded.config == model.config  # our own settings (sparse_head) survive config.json
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    hf_model, info = BertForMaskedLM.from_pretrained(tmp_path, output_loading_info=True)
    assert not info["missing_keys"]
    assert not info["unexpected_keys"]
    assert from_pretrained(tmp_path, attention="eager").config.attention == "eager"


def test_pre_ln_saves_in_our_own_layout(tmp_path):
    torch.manual_seed(16)
    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=VOCAB, pre_ln=True)).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "mlmcourse_config.json").exists() and not (tmp_path / "config.json").exists()
    loaded = MaskedLM.from_pretrained(tmp_path)
    assert loaded.config.pre_ln
    input_ids = torch.randint(1, VOCAB, (2, 7))
    with torch.no_grad():
        assert torch.equal(loaded(input_ids).logits, model(input_ids).logits)


def test_loading_errors_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="course-tiny"):
        MaskedLM.from_pretrained(tmp_path / "missing")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not a pickle we would open")
    with pytest.raises(ValueError, match="safetensors only"):
        MaskedLM.from_pretrained(tmp_path)
    (tmp_path / "pytorch_model.bin").unlink()
    with pytest.raises(FileNotFoundError, match="no model.safetensors"):
        MaskedLM.from_pretrained(tmp_path)


def test_to_bert_state_dict_docstring_example():
    from mlmcourse.model.hf import from_bert_state_dict, to_bert_state_dict

    model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=50, num_layers=1))
    bert = to_bert_state_dict(model.state_dict(), num_layers=1)
    assert tuple(bert["bert.encoder.layer.0.attention.self.key.weight"].shape) == (128, 128)
    assert len(bert) == 26
    assert torch.equal(bert["bert.encoder.layer.0.attention.self.key.weight"],
                       model.layers[0].attention.qkv.weight[128:256])  # the middle third of the fused matrix
    back = from_bert_state_dict(bert, num_layers=1)
    assert back.keys() == model.state_dict().keys()
    with pytest.raises(ValueError, match="lacks 1 BertForMaskedLM tensor"):
        from_bert_state_dict({k: v for k, v in bert.items() if k != "cls.predictions.bias"}, num_layers=1)
