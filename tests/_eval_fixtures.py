"""Tiny models and tokenizers shared by the evaluation / inference tests (not a test module itself).

A WordPiece tokenizer built on a few toy sentences (deterministic vocabulary, ``_wordpiece_fixture``) (BERT specials, ``[MASK]``)
and a randomly initialised ``BertForMaskedLM`` with a tiny config (the Hugging Face model-tester idea): fast,
offline, seeded, and on the real code path.
"""

from __future__ import annotations

from pathlib import Path

SENTENCES = [
    "the dog barked at me .",
    "the cat sat on the mat .",
    "paris is the capital of france .",
    "rome is the capital of italy .",
    "the dogs barked at the cats .",
    "mary lost her key . she was sad .",
    "john found his hat . he was happy .",
    "a dog is an animal .",
    "the teacher works at the school .",
    "the doctor works at the hospital .",
    "two plus three is five .",
    "the bird did not sing .",
    "unbelievable things happened yesterday .",
]


def tiny_tokenizer():
    """A lowercase WordPiece ``PreTrainedTokenizerFast`` with ``[PAD] [UNK] [CLS] [SEP] [MASK]`` = ids 0..4."""
    from _wordpiece_fixture import bert_wordpiece

    return bert_wordpiece(SENTENCES, vocab_size=120, model_max_length=32)


def tiny_bert(vocab_size: int, seed: int = 0, max_positions: int = 32, initializer_range: float = 0.3):
    """A random 2-layer, 32-wide ``BertForMaskedLM`` (a large init spread makes its predictions peaked)."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=max_positions, initializer_range=initializer_range,
    )
    return BertForMaskedLM(config).eval()


def save_tiny_checkpoint(folder: Path, seed: int = 0) -> Path:
    """Write tokenizer + model in Hugging Face format (safetensors) into ``folder``; return it."""
    tokenizer = tiny_tokenizer()
    model = tiny_bert(len(tokenizer), seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def toyworld_tokenizer():
    """A WordPiece tokenizer in which every toy-world word is one token (as in the course tokenizer)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    from mlmcourse.corpora.toyworld import ToyWorld

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {token: index for index, token in enumerate(specials + sorted(ToyWorld().vocabulary))}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=64,
    )


def save_toyworld_checkpoint(folder: Path, seed: int = 0) -> Path:
    """A random tiny BERT over the toy-world vocabulary, saved with its tokenizer (for probes and `eval`)."""
    tokenizer = toyworld_tokenizer()
    model = tiny_bert(len(tokenizer), seed=seed, max_positions=64, initializer_range=0.05)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def one_torch_thread():
    """Generator for a module fixture: tiny models run faster on one thread (and a shared CPU stays usable)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def require_model_folder(name: str, how: str) -> Path:
    """``data/models/NAME``, failing (never skipping) with ``how`` to create it when a file is missing."""
    import pytest

    from mlmcourse.config import models_dir

    folder = models_dir() / name
    missing = [file for file in ("config.json", "model.safetensors", "tokenizer.json") if not (folder / file).is_file()]
    if missing:
        pytest.fail(f"{folder} is missing {', '.join(missing)}. Create it with {how}.")
    return folder
