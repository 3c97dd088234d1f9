"""Evaluation: how good is a masked language model, and at what?

- ``perplexity.py``: masked cross-entropy, perplexity and top-k accuracy over a seeded evaluation mask
  (:func:`evaluate_mlm`), token-weighted, the same for any batch size;
- ``pll.py``: pseudo-log-likelihood and pseudo-perplexity (Salazar et al. 2020), minimal-pair accuracy;
- ``probes.py``: toy-world probes per phenomenon against the exact posterior and the Bayes floor
  (:func:`probe_report`), language by language for the multilingual toy world (:func:`language_report`);
- ``cli.py``: ``mlmcourse eval --model DIR --corpus toyworld --json``.

Importing this package is cheap (NumPy); PyTorch loads with the model.
"""

from __future__ import annotations

from mlmcourse.metrics.perplexity import (
    evaluate_mlm,
    evaluation_mask,
    log_softmax,
    mask_text_ids,
    masked_token_losses,
)
from mlmcourse.metrics.pll import (
    masked_copies,
    minimal_pair_accuracy,
    pseudo_log_likelihood,
    pseudo_perplexity,
    token_pseudo_log_probs,
)
from mlmcourse.metrics.probes import (
    format_language_table,
    format_probe_table,
    language_report,
    probe_report,
    score_probes,
    single_token_id,
)

__all__ = [
    "evaluate_mlm", "evaluation_mask", "format_language_table", "format_probe_table", "language_report", "log_softmax", "mask_text_ids", "masked_copies",
    "masked_token_losses", "minimal_pair_accuracy", "probe_report", "pseudo_log_likelihood", "pseudo_perplexity", "score_probes",
    "single_token_id", "token_pseudo_log_probs",
]
