"""Tiny random masked LMs of five architectures, with their own tokenizers, in folders and in a Hub-style cache.

Not a test module. Every model is built here, offline, from nothing: the tokenizers are made from toy-world lines
(WordPiece for BERT and DistilBERT, byte-level BPE for RoBERTa and ModernBERT, a SentencePiece-style Unigram vocabulary
for XLM-R) and wrapped in each family's own transformers tokenizer class; the models are 2-layer, 32-wide random
networks. :func:`put_in_hub_cache` lays a folder out the way ``huggingface_hub`` writes a download
(``models--ORG--NAME/refs/main`` holding a commit id, ``snapshots/<id>/`` of links into ``blobs/``), so that
``from_pretrained("ORG/NAME")`` finds it with ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from collections import Counter
from pathlib import Path

# architecture -> the Hub name it is cached under (real names, so the tests read like a learner's commands)
HUB_NAMES = {
    "bert": "google-bert/bert-base-uncased",
    "distilbert": "distilbert-base-uncased",
    "roberta": "distilroberta-base",
    "xlm-roberta": "FacebookAI/xlm-roberta-base",
    "modernbert": "answerdotai/ModernBERT-base",
}
HIDDEN, LAYERS, HEADS, POSITIONS = 32, 2, 2, 64


@functools.cache
def toy_lines(count: int = 3000) -> tuple[str, ...]:
    from mlmcourse.corpora.toyworld import ToyWorld

    return tuple(ToyWorld().generate(count, seed=0))


@functools.cache
def _bpe(vocab_size: int = 900):
    from mlmcourse.tokenization.bpe import BPETokenizer

    return BPETokenizer().train(list(toy_lines()), vocab_size=vocab_size, show_progress=False)


def wordpiece_tokenizer(kind: str = "bert"):
    """BertTokenizer / DistilBertTokenizer over a WordPiece vocabulary from the course's deterministic trainer."""
    from transformers import BertTokenizer, DistilBertTokenizer

    from mlmcourse.tokenization import WordPieceTokenizer

    reference = WordPieceTokenizer(special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    reference.train(list(toy_lines()), vocab_size=600, score="frequency", show_progress=False)
    vocab = {token: index for index, token in enumerate(reference.vocab)}
    tokenizer_class = BertTokenizer if kind == "bert" else DistilBertTokenizer
    return tokenizer_class(vocab=vocab, do_lower_case=True, model_max_length=POSITIONS)


def roberta_tokenizer():
    """RobertaTokenizer (byte-level BPE, ``<s> ... </s>``, ``<mask>`` that swallows the space before it)."""
    from tokenizers import AddedToken
    from transformers import RobertaTokenizer

    bpe = _bpe()
    vocab = {token: index for index, token in enumerate(["<s>", "<pad>", "</s>", "<unk>"])}
    for token in bpe.vocab:
        vocab.setdefault(token, len(vocab))
    vocab["<mask>"] = len(vocab)
    return RobertaTokenizer(vocab=vocab, merges=bpe.merges_as_tokens(), model_max_length=POSITIONS,
                            mask_token=AddedToken("<mask>", lstrip=True, rstrip=False))


def xlm_roberta_tokenizer():
    """XLMRobertaTokenizer over a Unigram vocabulary: every toy-world word as ``▁word``, its letters as pieces."""
    from tokenizers import AddedToken
    from transformers import XLMRobertaTokenizer

    counts = Counter(word for line in toy_lines() for word in line.split())
    total = sum(counts.values())
    # Rare words are left out, so they are spelled in pieces ("▁" + letters): whole-word masking has work to do.
    pieces = [(f"▁{word}", math.log(count / total)) for word, count in sorted(counts.items()) if count >= 5]
    letters = sorted({char for word in counts for char in word})
    pieces += [("▁", -12.0)] + [(char, -14.0) for char in letters]
    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *pieces, ("<mask>", 0.0)]
    return XLMRobertaTokenizer(vocab=vocab, model_max_length=POSITIONS,
                               mask_token=AddedToken("<mask>", lstrip=True, rstrip=False))


def modernbert_tokenizer():
    """ModernBERT's kind of tokenizer: byte-level BPE with BERT's special tokens, as a PreTrainedTokenizerFast."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    bpe = _bpe()
    specials = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    vocab = {token: index for index, token in enumerate(bpe.vocab)}
    for token in specials:
        vocab[token] = len(vocab)
    backend = Tokenizer(models.BPE(vocab=vocab, merges=bpe.merges_as_tokens(), unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
                                   pad_token="[PAD]", mask_token=AddedToken("[MASK]", lstrip=True),
                                   model_max_length=POSITIONS)


def tokenizer_for(architecture: str):
    builders = {"bert": wordpiece_tokenizer, "distilbert": lambda: wordpiece_tokenizer("distilbert"),
                "roberta": roberta_tokenizer, "xlm-roberta": xlm_roberta_tokenizer,
                "modernbert": modernbert_tokenizer}
    return builders[architecture]()


def model_for(architecture: str, tokenizer, seed: int = 0):
    """A random 2-layer, 32-wide masked LM of ``architecture`` over ``tokenizer``'s vocabulary."""
    import torch
    import transformers

    specials = dict(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id)
    if architecture == "distilbert":
        config = transformers.DistilBertConfig(dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=2 * HIDDEN,
                                               max_position_embeddings=POSITIONS, **specials)
    elif architecture == "modernbert":
        config = transformers.ModernBertConfig(
            hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=2 * HIDDEN,
            max_position_embeddings=POSITIONS, local_attention=16, cls_token_id=tokenizer.cls_token_id,
            sep_token_id=tokenizer.sep_token_id, bos_token_id=tokenizer.cls_token_id,
            eos_token_id=tokenizer.sep_token_id, **specials)
    else:
        config_class = {"bert": transformers.BertConfig, "roberta": transformers.RobertaConfig,
                        "xlm-roberta": transformers.XLMRobertaConfig}[architecture]
        offset = 0 if architecture == "bert" else tokenizer.pad_token_id + 1  # RoBERTa's positions start after pad
        config = config_class(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                              intermediate_size=2 * HIDDEN, max_position_embeddings=POSITIONS + offset,
                              type_vocab_size=1 if offset else 2, **specials)
    config.architectures = [transformers.AutoModelForMaskedLM._model_mapping[type(config)].__name__]
    torch.manual_seed(seed)
    return transformers.AutoModelForMaskedLM.from_config(config).eval()


def save_model_folder(architecture: str, folder: Path) -> Path:
    """Model + tokenizer of ``architecture`` saved with save_pretrained (safetensors) into ``folder``."""
    tokenizer = tokenizer_for(architecture)
    model = model_for(architecture, tokenizer)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def put_in_hub_cache(folder: Path, cache: Path, name: str) -> Path:
    """Copy ``folder`` into ``cache`` as the Hub client stores a download of ``name``; returns the snapshot."""
    repo = cache / ("models--" + name.replace("/", "--"))
    commit = hashlib.sha1(name.encode()).hexdigest()  # any 40-hex id: refs/main names the snapshot
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    (repo / "blobs").mkdir(exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for file in sorted(folder.iterdir()):
        content = file.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(content).hexdigest()
        blob.write_bytes(content)
        (snapshot / file.name).symlink_to(os.path.relpath(blob, snapshot))  # as the Hub client links them
    return snapshot


def build_hub_cache(root: Path, architectures=tuple(HUB_NAMES)) -> tuple[Path, dict[str, Path]]:
    """Every architecture saved under ``root/folders/`` and cached under ``root/hub``; (cache, folders)."""
    cache, folders = root / "hub", {}
    for architecture in architectures:
        folders[architecture] = save_model_folder(architecture, root / "folders" / architecture)
        put_in_hub_cache(folders[architecture], cache, HUB_NAMES[architecture])
    return cache, folders


def use_hub_cache(monkeypatch, cache: Path) -> None:
    """Point the Hugging Face libraries at ``cache``, offline. ``huggingface_hub`` reads its environment when it
    is imported, so the module constants are patched for this process and the variables set for subprocesses."""
    import huggingface_hub.constants as constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
