"""Everything a run needs before its first step, built from a :class:`TrainConfig`.

What it teaches: a training run is assembled from independent parts: text (a corpus), a tokenizer, a model of a
named shape, an optimizer with the usual exclusions (no weight decay on biases and LayerNorm weights), and an
output folder that records the recipe. Each part has one function here, so a notebook can swap any one of them.

What it simplifies: AdamW only; the output folder holds ``config.json``, ``checkpoints/`` and ``model/``.

Production twins: ``run_mlm.py``'s set-up (``load_dataset``, ``AutoTokenizer``, ``AutoModelForMaskedLM``) and
``Trainer.create_optimizer`` (decay on everything but biases and LayerNorm weights; fused AdamW, the
Trainer's default since torch 2.8).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import torch

from mlmcourse.errors import CourseError
from mlmcourse.training.checkpoint import latest_checkpoint
from mlmcourse.training.config import TrainConfig


def load_texts(config: TrainConfig) -> dict[str, list[str]]:
    """The ``train`` and ``validation`` lines of ``config.corpus`` (via :func:`mlmcourse.corpora.load_corpus`)."""
    from mlmcourse.corpora import load_corpus

    corpus = load_corpus(config.corpus, seed=config.seed, **config.corpus_options)
    return {"train": list(corpus["train"]["text"]), "validation": list(corpus["validation"]["text"])}


TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model", "spiece.model")


def load_tokenizer(config: TrainConfig):
    """``config.tokenizer`` (a folder in Hugging Face format, or a Hub name); by default the tokenizer saved with
    ``config.init_from`` when the run continues a model, the multilingual tokenizer for a multilingual toy world
    (``corpus_options["languages"]``), else the course tokenizer."""
    if config.tokenizer is None and config.init_from is not None:
        return load_tokenizer(replace(config, tokenizer=config.init_from, init_from=None))
    if config.tokenizer is None and config.corpus_options.get("languages"):
        from mlmcourse.tokenization.multilingual import multilingual_tokenizer

        languages = config.corpus_options["languages"]  # every word of these languages is one token
        return multilingual_tokenizer(languages.split(",") if isinstance(languages, str) else languages)
    if config.tokenizer is None:
        from mlmcourse.tokenization import course_tokenizer

        return course_tokenizer()
    folder = Path(config.tokenizer).expanduser()
    if not folder.is_dir():
        from mlmcourse.inference.loading import HUB_NAME, resolve_model_folder

        if not (HUB_NAME.match(config.tokenizer) and not config.tokenizer.startswith((".", "~"))):
            raise FileNotFoundError(f"no tokenizer.json in {folder}: there is no such folder; pass a folder written "
                                    "by tokenizer.save_pretrained(...), a Hub model name, or leave --tokenizer out "
                                    "to use the course tokenizer")
        folder = resolve_model_folder(config.tokenizer)  # a Hub name: its snapshot in the local cache
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise FileNotFoundError(f"no tokenizer.json (nor {', '.join(TOKENIZER_FILES[1:])}) in {folder}; pass a "
                                "folder written by tokenizer.save_pretrained(...), or leave --tokenizer out to use "
                                "the course tokenizer")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def build_model(config: TrainConfig, vocab_size: int, pad_token_id: int = 0) -> torch.nn.Module:
    """A freshly initialised model of shape ``config.preset`` (our ``MaskedLM`` or Hugging Face's twin), or the
    trained model in ``config.init_from``."""
    from mlmcourse.model import EncoderConfig, MaskedLM
    from mlmcourse.model.hf import bert_config

    if config.init_from is not None:
        return load_initial_model(config, vocab_size)
    encoder = EncoderConfig.preset(config.preset, vocab_size=vocab_size, pad_token_id=pad_token_id,
                                   pre_ln=config.pre_ln, sparse_head=config.sparse_head,
                                   dropout=config.dropout, attention_dropout=config.dropout,
                                   max_position=max(512, config.seq_len))
    if config.model == "ours":
        return MaskedLM(encoder)
    if config.pre_ln:
        raise CourseError("Hugging Face's BertForMaskedLM is post-LN only; use model='ours' for pre_ln=True")
    from transformers import BertForMaskedLM

    return BertForMaskedLM(bert_config(encoder))


def load_initial_model(config: TrainConfig, vocab_size: int) -> torch.nn.Module:
    """The weights of the model ``config.init_from`` (a folder or a Hub name), ready to train on: continued
    pretraining.

    The shape (layers, width, positions, pre/post-LN) is the model's, whatever ``config.preset`` says; dropout and
    the sparse head are this run's. The tokenizer must be the model's own (``load_tokenizer`` picks it by default).
    BERT-format folders train as our ``MaskedLM`` (or ``BertForMaskedLM`` with ``model='hf'``); any other masked
    LM (RoBERTa, DistilBERT, XLM-R, ModernBERT, ...) as its transformers class (``AutoModelForMaskedLM``).
    This is how domain adaptation starts (Gururangan et al. 2020, "Don't Stop Pretraining").
    """
    from mlmcourse.inference.loading import NATIVE_CONFIG, is_ours, read_config, resolve_model_folder
    from mlmcourse.model.auto import describe, load_auto_model, usable_positions

    folder = Path(config.init_from).expanduser()
    if not folder.is_dir() and (folder.is_absolute() or str(config.init_from).startswith((".", "~"))):
        raise FileNotFoundError(f"init_from={str(folder)!r} holds no config.json; pass a model folder written by "
                                "`mlmcourse train --export` or save_pretrained, e.g. data/models/course-tiny, "
                                "or a Hub model name")
    folder = resolve_model_folder(config.init_from)
    if not any((folder / name).is_file() for name in ("config.json", NATIVE_CONFIG)):
        raise FileNotFoundError(f"init_from={str(folder)!r} holds no config.json; pass a model folder written by "
                                "`mlmcourse train --export` or save_pretrained, e.g. data/models/course-tiny, "
                                "or a Hub model name")
    model_config = read_config(folder)
    if config.model == "ours" and is_ours(folder, model_config):
        from mlmcourse.inference import load_model
        from mlmcourse.model import MaskedLM

        loaded, _ = load_model(folder)
        encoder = replace(loaded.config, dropout=config.dropout, attention_dropout=config.dropout,
                          sparse_head=config.sparse_head)
        model = MaskedLM(encoder)
        model.load_state_dict(loaded.state_dict())
        model_vocab, max_position = encoder.vocab_size, encoder.max_position
    else:
        if config.packing == "lines":
            raise CourseError(f"packing='lines' keeps each packed line's attention to itself, which needs the "
                              f"course's own model; {config.init_from} trains as its transformers class: use "
                              "packing='stream' or 'none' (--packing stream)")
        if config.model == "ours":  # not BERT-shaped: our encoder cannot hold it, transformers' own class can
            print(f"Note: {config.init_from} is a {describe(SimpleNamespace(**model_config))}, not a BERT-format "
                  "model; it trains as its transformers class (AutoModelForMaskedLM).")
        model = load_auto_model(folder, "AutoModelForMaskedLM", dropout=config.dropout)
        model_vocab, max_position = model.config.vocab_size, usable_positions(model.config)
    if model_vocab != vocab_size:
        raise CourseError(f"the model in {folder} has a vocabulary of {model_vocab:,} tokens but the tokenizer has "
                         f"{vocab_size:,}: continue a model with its own tokenizer (leave tokenizer / --tokenizer out)")
    if max_position is not None and config.seq_len > max_position:
        raise CourseError(f"seq_len {config.seq_len} is longer than the {max_position} positions of the model in "
                         f"{folder}; use --seq-len {max_position} or less")
    model.train()
    return model


def trains_as_ours(init_from: str) -> bool:
    """True when the model ``init_from`` (a folder or a Hub name) continues as our ``MaskedLM`` (BERT format),
    False when it trains as its transformers class (RoBERTa, DistilBERT, XLM-R, ModernBERT, ...)."""
    from mlmcourse.inference.loading import is_ours, read_config, resolve_model_folder

    folder = resolve_model_folder(init_from)
    return is_ours(folder, read_config(folder))


def make_optimizer(model: torch.nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on biases or LayerNorm weights); fused on CUDA and CPU."""
    decay, no_decay = [], []
    for parameter in model.parameters():
        if parameter.requires_grad:
            (decay if parameter.dim() >= 2 else no_decay).append(parameter)
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    # The fused kernel updates all parameters in one pass (one launch on CUDA): a free speed-up.
    fused = True if device.type in ("cuda", "cpu") else None
    return torch.optim.AdamW(groups, lr=config.lr, betas=config.betas, eps=1e-6, fused=fused)


def prepare_out_dir(config: TrainConfig, write: bool = True) -> tuple[Path | None, Path | None]:
    """Create ``out_dir`` and write ``config.json``; check that a resume continues the same recipe.

    Returns ``(out_dir, checkpoints_dir)`` (both None without ``out_dir``); ``write=False`` only names them. Raises CourseError when ``out_dir``
    already holds checkpoints and ``resume`` is off (it would silently mix two runs), or when a resume changes
    a field that must stay the same.
    """
    if config.out_dir is None:
        return None, None
    out_dir = Path(config.out_dir).expanduser()
    checkpoints_dir = out_dir / "checkpoints"
    if not write:  # a data-parallel worker: the main process checks and writes
        return out_dir, checkpoints_dir
    found = latest_checkpoint(checkpoints_dir)
    if found and not config.resume:
        raise CourseError(f"{out_dir} already holds checkpoints (latest {found.name}); add --resume (resume=True) "
                          "to continue that run, or choose a new --out folder")
    saved_config = out_dir / "config.json"
    if found and saved_config.is_file():
        changed = TrainConfig.load(saved_config).differences(config)
        if changed:
            details = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in changed.items())
            raise CourseError(f"cannot resume {out_dir} with a different recipe ({details}); only "
                              "max_steps, max_minutes and the logging/eval/checkpoint cadence may change")
    out_dir.mkdir(parents=True, exist_ok=True)
    config.save(saved_config)
    return out_dir, checkpoints_dir
