"""Any Hugging Face masked LM: what BERT, RoBERTa, DistilBERT, XLM-R and ModernBERT share, and the three
places where a training loop notices that they differ.

Teaches: ``config.json`` names the architecture (``model_type``) and the Auto classes build it, so one loop
trains them all: a masked LM takes ``input_ids`` / ``attention_mask`` / ``labels`` and returns ``.loss`` and
``.logits`` whatever its insides. What differs, and what this module handles:

1. *Dropout* has a different name in each family (``hidden_dropout_prob`` in BERT and RoBERTa, ``dropout`` in
   DistilBERT, ``embedding_dropout`` / ``mlp_dropout`` in ModernBERT): :func:`set_dropout` sets whichever exist.
2. *Positions*: RoBERTa-family models number positions from ``padding_idx + 1``, so a model with 514 position
   embeddings reads 512 tokens (:func:`usable_positions`).
3. *Word boundaries* for whole-word masking: WordPiece marks continuations (``##ing``), byte-level BPE marks word
   starts with the space it swallowed (``Ġdog``), SentencePiece with ``▁`` (see :mod:`mlmcourse.masking.words`).

What it simplifies: safetensors weights only, never ``trust_remote_code``; the course's own encoder
(:class:`~mlmcourse.model.MaskedLM`) is BERT-shaped, so every other architecture trains as the transformers model.

Production twin: ``AutoConfig.from_pretrained`` + ``AutoModelForMaskedLM.from_pretrained(folder, config=...)``,
as ``run_mlm.py`` loads a model to continue pretraining it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Dropout on embeddings, sublayers and attention, by the name each family gives it (classifier dropout aside).
DROPOUT_FIELDS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout", "attention_dropout",
                  "embedding_dropout", "mlp_dropout")
# Families whose position ids start at padding_idx + 1 (fairseq's convention, kept by transformers).
OFFSET_POSITION_TYPES = ("roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "roberta-prelayernorm",
                         "data2vec-text", "longformer", "xmod")


def set_dropout(config: Any, dropout: float) -> list[str]:
    """Set every dropout field ``config`` has to ``dropout``; returns the names that were set.

    >>> from types import SimpleNamespace
    >>> distilbert = SimpleNamespace(dropout=0.1, attention_dropout=0.1, seq_classif_dropout=0.2)
    >>> set_dropout(distilbert, 0.0), distilbert.seq_classif_dropout
    (['dropout', 'attention_dropout'], 0.2)
    """
    names = [name for name in DROPOUT_FIELDS if isinstance(getattr(config, name, None), int | float)]
    for name in names:
        setattr(config, name, dropout)
    return names


def usable_positions(config: Any) -> int | None:
    """How many tokens (specials included) the model reads: ``max_position_embeddings``, less the offset of the
    RoBERTa family (``pad_token_id + 1``); None when the config does not say.

    >>> from types import SimpleNamespace
    >>> usable_positions(SimpleNamespace(model_type="roberta", max_position_embeddings=514, pad_token_id=1))
    512
    >>> usable_positions(SimpleNamespace(model_type="bert", max_position_embeddings=512, pad_token_id=0))
    512
    """
    positions = getattr(config, "max_position_embeddings", None) or getattr(config, "max_position", None)
    if not isinstance(positions, int):
        return None
    if getattr(config, "model_type", None) in OFFSET_POSITION_TYPES:
        positions -= (getattr(config, "pad_token_id", None) or 0) + 1
    return positions


def describe(config: Any) -> str:
    """A short name for the architecture, e.g. ``'RobertaForMaskedLM (roberta, 2 layers x 32)'``.

    >>> from types import SimpleNamespace
    >>> describe(SimpleNamespace(architectures=["RobertaForMaskedLM"], model_type="roberta", num_hidden_layers=2,
    ...                          hidden_size=32))
    'RobertaForMaskedLM (roberta, 2 layers x 32)'
    """
    name = (getattr(config, "architectures", None) or [getattr(config, "model_type", "model")])[0]
    layers = getattr(config, "num_hidden_layers", None)
    width = getattr(config, "hidden_size", None)
    shape = f", {layers} layers x {width}" if layers and width else ""
    return f"{name} ({getattr(config, 'model_type', '?')}{shape})"


def load_auto_model(folder: str | Path, auto_class: str = "AutoModelForMaskedLM", dropout: float | None = None,
                    **config_changes: Any) -> Any:
    """A transformers model from a local ``folder`` through an Auto class, safetensors only, in train mode.

    ``dropout`` replaces every dropout field of the saved config (:func:`set_dropout`); ``config_changes`` set
    other config fields (e.g. ``num_labels``, ``id2label``) before the model is built, so no field is passed to a
    model constructor that does not take it.
    """
    import transformers

    config = transformers.AutoConfig.from_pretrained(str(folder), **config_changes)
    if dropout is not None:
        set_dropout(config, dropout)
    from mlmcourse.errors import reading_weights

    with reading_weights(Path(folder) / "model.safetensors"):
        model = getattr(transformers, auto_class).from_pretrained(str(folder), config=config, use_safetensors=True)
    return model.train()
