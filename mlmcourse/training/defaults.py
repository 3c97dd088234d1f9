"""The measured best recipe for a corpus: what ``mlmcourse train`` does when you only name the corpus.

What it teaches: "the defaults" of a trainer are a recipe somebody measured. For the toy world the course measured
(``mlmcourse bench quality``; notebook 05 retells it one change at a time): short lines packed whole into rows,
each line attending only to itself (no padding, no cross-talk), a quarter of the tokens masked, no dropout (a
generated corpus never repeats a line, so there is nothing to over-fit), and a high peak learning rate reached after
a short warmup. For other text (pydocs, your own files) the lines are long paragraphs: rows of 128 tokens streamed
(``packing="stream"``), 15% masking and dropout 0.1, BERT's own choices.

What it simplifies: one recipe per corpus kind, for the ``tiny`` preset on a laptop; bigger models want a lower
learning rate.

Production twin: the example scripts' defaults (``run_mlm.py``: ``mlm_probability=0.15``, ``max_seq_length``
from the model, ``learning_rate=5e-5`` for fine-tuning an existing model).
"""

from __future__ import annotations

from typing import Any

# The toy world's measured recipe (see the module docstring); `max_steps` sets the length of the decay.
TOYWORLD: dict[str, Any] = dict(
    corpus="toyworld", corpus_options={"n_sentences": 1_000_000}, preset="tiny", packing="lines", seq_len=64,
    mask_prob=0.25, batch_size=32, lr=2e-3, warmup_steps=300, dropout=0.0, max_steps=5_500, schedule="linear",
)

# Any other text: BERT's choices, streamed rows.
OTHER_TEXT: dict[str, Any] = dict(packing="stream", seq_len=128, mask_prob=0.15, dropout=0.1, lr=1e-3,
                                  warmup_steps=300, batch_size=32, max_steps=3_000)


def course_recipe(corpus: str) -> dict[str, Any]:
    """The TrainConfig fields of the measured recipe for ``corpus`` (a copy you may change).

    >>> course_recipe("toyworld")["packing"], course_recipe("my_notes.txt")["packing"]
    ('lines', 'stream')
    """
    recipe = TOYWORLD if str(corpus).lower() == "toyworld" else {**OTHER_TEXT, "corpus": str(corpus)}
    return {key: (dict(value) if isinstance(value, dict) else value) for key, value in recipe.items()}
