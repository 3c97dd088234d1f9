"""Small data for the training tests: a template language, a WordPiece tokenizer trained on it, a tiny config.

Not a test module (no ``test_`` prefix): ``tests/test_training*.py`` and ``tests/test_bench_train.py`` import it.
The tokenizer's vocabulary comes from the course's deterministic WordPiece trainer (``_wordpiece_fixture``).
"""

from __future__ import annotations

import random

from _wordpiece_fixture import bert_wordpiece
from transformers import PreTrainedTokenizerFast

ANIMALS = {"dog": "barked", "cat": "meowed", "cow": "mooed", "duck": "quacked", "lion": "roared"}
CAPITALS = {"paris": "france", "rome": "italy", "berlin": "germany", "madrid": "spain", "lisbon": "portugal"}


def template_lines(n_lines: int, seed: int) -> list[str]:
    """Lines like "the dog barked at me ." and "paris is the capital of france ."."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_lines):
        if rng.random() < 0.5:
            animal = rng.choice(sorted(ANIMALS))
            lines.append(f"the {animal} {ANIMALS[animal]} at {rng.choice(['me', 'us', 'them'])} .")
        else:
            city = rng.choice(sorted(CAPITALS))
            lines.append(f"{city} is the capital of {CAPITALS[city]} .")
    return lines


def small_texts(n_train: int = 600, n_validation: int = 120) -> dict[str, list[str]]:
    return {"train": template_lines(n_train, seed=0), "validation": template_lines(n_validation, seed=1)}


def small_tokenizer(texts: list[str] | None = None) -> PreTrainedTokenizerFast:
    """A lowercase WordPiece tokenizer with BERT's special tokens at ids 0..4, the same on every run."""
    return bert_wordpiece(texts or template_lines(300, seed=0), vocab_size=120)


def tiny_config(**overrides):
    """A TrainConfig small enough for a test: 2 layers x 128, 16 x 24-token batches, one thread, no bar."""
    from mlmcourse.training import TrainConfig

    values = dict(preset="tiny", seq_len=24, batch_size=16, max_steps=8, warmup_steps=2, lr=2e-3, eval_every=4,
                  log_every=2, checkpoint_every=4, eval_sequences=32, num_threads=1, progress=False, seed=0,
                  precision="fp32")
    values.update(overrides)
    return TrainConfig(**values)
