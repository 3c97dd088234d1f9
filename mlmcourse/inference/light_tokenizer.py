"""The few tokenizer methods fill-mask needs, straight from ``tokenizer.json`` (no ``transformers`` import).

Teaches: a Hugging Face fast tokenizer is the Rust ``tokenizers.Tokenizer`` stored in ``tokenizer.json``, plus
a little configuration in ``tokenizer_config.json`` (which string is the mask token, the maximum length, whether
decoding tidies spaces before punctuation). Reading them directly costs milliseconds, where importing
``transformers`` costs seconds: that is what lets the command line answer at once.
Simplifies: single texts only (no pairs), no padding/truncation options, no offsets.
Mirrors: ``PreTrainedTokenizerFast`` (``__call__``, ``decode``, ``batch_decode``, ``get_vocab``,
``convert_ids_to_tokens``, ``mask_token(_id)``, ``pad_token_id``); tested equal on the same folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPECIAL_NAMES = ("mask", "pad", "cls", "sep", "unk", "bos", "eos")


def clean_up_tokenization(text: str) -> str:
    """Remove the spaces a WordPiece decoder leaves before punctuation and English contractions.

    >>> clean_up_tokenization("the dog barked . isn ' t it ?")
    "the dog barked. isn't it?"
    """
    for spaced, tight in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                          (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(spaced, tight)
    return text


class LightTokenizer:
    """A Hugging Face-compatible tokenizer read from a folder with ``tokenizer.json``."""

    def __init__(self, folder: str | Path) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.backend = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.backend.no_truncation()
        self.backend.no_padding()
        config_path = folder / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        for name in SPECIAL_NAMES:
            token = config.get(f"{name}_token")
            token = token.get("content") if isinstance(token, dict) else token
            setattr(self, f"{name}_token", token)
            setattr(self, f"{name}_token_id", self.backend.token_to_id(token) if token else None)
        self.model_max_length = int(config.get("model_max_length", 10**30))
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))
        # transformers skips the clean-up for BPE models: it would glue punctuation that had a real space.
        self._clean_up = self.clean_up_tokenization_spaces and type(self.backend.model).__name__ != "BPE"

    def __len__(self) -> int:
        return self.backend.get_vocab_size(with_added_tokens=True)

    def __call__(self, texts: str | list[str], add_special_tokens: bool = True, max_length: int | None = None,
                 truncation: bool = False, **_ignored: Any) -> dict[str, list]:
        """{"input_ids": ids} for one text, or a list of id lists for a list of texts."""
        single = isinstance(texts, str)
        encodings = self.backend.encode_batch([texts] if single else list(texts),
                                              add_special_tokens=add_special_tokens)
        ids = [encoding.ids[:max_length] if truncation and max_length else encoding.ids for encoding in encodings]
        return {"input_ids": ids[0] if single else ids}

    def get_vocab(self) -> dict[str, int]:
        return self.backend.get_vocab(with_added_tokens=True)

    def convert_ids_to_tokens(self, token_id: int) -> str | None:
        return self.backend.id_to_token(token_id)

    def decode(self, token_ids: list[int], skip_special_tokens: bool = False) -> str:
        token_ids = token_ids.tolist() if hasattr(token_ids, "tolist") else list(token_ids)
        text = self.backend.decode(token_ids, skip_special_tokens=skip_special_tokens)
        return clean_up_tokenization(text) if self._clean_up else text

    def batch_decode(self, sequences: list[list[int]], skip_special_tokens: bool = False) -> list[str]:
        id_lists = [ids.tolist() if hasattr(ids, "tolist") else list(ids) for ids in sequences]
        texts = self.backend.decode_batch(id_lists, skip_special_tokens=skip_special_tokens)
        return [clean_up_tokenization(text) for text in texts] if self._clean_up else texts
