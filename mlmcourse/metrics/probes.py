"""Toy-world probes: what the model learned, phenomenon by phenomenon, measured against the best possible model.

Teaches: a loss alone does not say *what* was learned. For each phenomenon (facts, animals, agreement, ...)
the toy world gives single-mask probes with the exact posterior P(word | context). We compare the model with it:
``probe_ce``, the model's cross-entropy on the answers; ``bayes_floor``, the exact posterior's cross-entropy on
the same answers (no model can expect lower); ``gap_nats`` = probe_ce - bayes_floor; ``kl``, KL(posterior ||
model), the same gap without the noise of which answers were drawn (always >= 0); and top-1 ``accuracy`` next
to ``bayes_accuracy``, what the posterior's own best guess scores (an ambiguous blank caps both).
Simplifies: probe words must be single tokens (true for the course tokenizer); with another tokenizer, probes
whose answer or posterior words are not single tokens are skipped and counted (``skipped``).
Mirrors: LAMA (Petroni et al. 2019) for fact probes, BLiMP (Warstadt et al. 2020) for minimal pairs scored by
pseudo-log-likelihood (``pll.py``), with an exact reference distribution that real corpora cannot give.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlmcourse.errors import CourseError
from mlmcourse.metrics.perplexity import batches_by_length, log_softmax
from mlmcourse.metrics.pll import minimal_pair_accuracy
from mlmcourse.padding import pad_with_mask

ROW_KEYS = ("phenomenon", "n", "skipped", "probe_ce", "bayes_floor", "gap_nats", "kl", "accuracy", "bayes_accuracy")


def gap_with_standard_error(model_nll: Sequence[float], floor_nll: Sequence[float]) -> tuple[float, float]:
    """The gap to the Bayes floor and its standard error, from per-probe losses (nats).

    The gap is the mean of the per-probe differences ``model_nll - floor_nll``; both losses are measured on the
    same drawn answers, so the standard error is that of the *paired* differences: their sample standard
    deviation over sqrt(n). On a finite sample a good model can come out below the floor by about one or two
    standard errors: an answer the posterior finds unlikely, which the model happens to rate a little higher.

    >>> gap, se = gap_with_standard_error([0.5, 0.9, 0.2, 0.4], [0.4, 0.7, 0.3, 0.4])
    >>> round(gap, 3), round(se, 3)
    (0.05, 0.065)
    """
    differences = np.asarray(model_nll, dtype=float) - np.asarray(floor_nll, dtype=float)  # (n,)
    if differences.size < 2:
        return float(differences.mean()) if differences.size else math.nan, math.nan
    return float(differences.mean()), float(differences.std(ddof=1) / math.sqrt(differences.size))


def single_token_id(tokenizer: Any, word: str, first_word: bool = False) -> int | None:
    """The id of ``word`` if the tokenizer keeps it as one token (as it appears mid-sentence), else None.

    >>> vocab = {"dog": 7, "hot": 9}
    >>> split_on_spaces = lambda text, add_special_tokens: {"input_ids": [vocab[w] for w in text.split()]}
    >>> single_token_id(split_on_spaces, "dog"), single_token_id(split_on_spaces, "hot dog")
    (7, None)
    """
    # Byte-level BPE spells a word differently after a space ("Ġdog"); WordPiece ignores the space.
    ids = tokenizer(word if first_word else " " + word, add_special_tokens=False)["input_ids"]
    return ids[0] if len(ids) == 1 else None


def probe_log_probs(model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """log P(token at the single mask) for each masked text -> (n_texts, vocab), float64."""
    from mlmcourse.inference.logits import logits_at_positions

    ids = tokenizer(list(texts), add_special_tokens=True)["input_ids"]
    for text, row in zip(texts, ids, strict=True):
        if row.count(tokenizer.mask_token_id) != 1:
            raise CourseError(f"a probe needs exactly one mask token, {text!r} has {row.count(tokenizer.mask_token_id)}.")
    result = None
    for batch in batches_by_length([len(row) for row in ids], batch_size):
        input_ids, attention_mask = pad_with_mask([ids[i] for i in batch], tokenizer.pad_token_id or 0)
        logits = logits_at_positions(model, input_ids, attention_mask, input_ids == tokenizer.mask_token_id)
        if result is None:
            result = np.zeros((len(ids), logits.shape[-1]))  # (n_texts, vocab)
        result[batch] = log_softmax(logits)  # (batch, vocab)
    return result


def score_probes(model: Any, tokenizer: Any, probes: Sequence[Any], batch_size: int = 64,
                 log_probs: Callable[..., np.ndarray] | None = None) -> dict[str, Any]:
    """One phenomenon's row: mean model CE on answers, Bayes floor, gap, KL, accuracies (nats; see module doc).

    ``log_probs(model, tokenizer, masked_texts, batch_size) -> (n, vocab)`` replaces :func:`probe_log_probs`, e.g.
    to read each probe inside a long context (``mlmcourse.metrics.long_context``)."""
    word_ids: dict[tuple[str, bool], int | None] = {}

    def token_id(word: str, first: bool) -> int | None:
        if (word, first) not in word_ids:
            word_ids[word, first] = single_token_id(tokenizer, word, first)
        return word_ids[word, first]

    kept, answer_ids, posteriors = [], [], []
    for probe in probes:
        first = probe.index == 0
        ids = {word: token_id(word, first) for word in probe.posterior}
        if token_id(probe.answer, first) is None or None in ids.values():
            continue  # not scorable with single-token predictions
        kept.append(probe)
        answer_ids.append(token_id(probe.answer, first))
        posteriors.append([(ids[word], p) for word, p in probe.posterior.items() if p > 0])
    row: dict[str, Any] = {"phenomenon": probes[0].phenomenon if probes else "", "n": len(kept),
                           "skipped": len(probes) - len(kept)}
    if not kept:
        return {**row, **dict.fromkeys(ROW_KEYS[3:], math.nan), "gap_se": math.nan}
    log_probs = (log_probs or probe_log_probs)(model, tokenizer, [p.masked_text(tokenizer.mask_token) for p in kept],
                                               batch_size)
    model_ce = -log_probs[np.arange(len(kept)), answer_ids]  # (n,)
    bayes_ce = np.array([-math.log(p.posterior[p.answer]) for p in kept])  # (n,)
    kl = np.array([sum(q * (math.log(q) - log_probs[i, token]) for token, q in pairs)
                   for i, pairs in enumerate(posteriors)])  # (n,): KL(posterior || model)
    best_model = log_probs.argmax(axis=-1)  # (n,)
    best_bayes = [max(p.posterior, key=p.posterior.get) for p in kept]
    row.update({
        "probe_ce": float(model_ce.mean()),
        "bayes_floor": float(bayes_ce.mean()),
        "gap_nats": float(model_ce.mean() - bayes_ce.mean()),
        "gap_se": gap_with_standard_error(model_ce, bayes_ce)[1],
        "kl": float(kl.mean()),
        "accuracy": float(np.mean(best_model == np.array(answer_ids))),
        "bayes_accuracy": float(np.mean([best == probe.answer for best, probe in zip(best_bayes, kept, strict=True)])),
    })
    return row


def probe_report(model: Any, tokenizer: Any, world: Any, n: int = 200, seed: int = 0,
                 phenomena: Sequence[str] | None = None, n_pairs: int = 0, batch_size: int = 64,
                 progress: bool = True, log_probs: Callable[..., np.ndarray] | None = None) -> dict[str, Any]:
    """Probe every phenomenon (``n`` probes each); overall numbers weight every kept probe equally.

    Returns ``{"probe_ce", "bayes_floor", "gap_nats", "kl", "accuracy", "bayes_accuracy", "n_probes",
    "skipped", "per_phenomenon": [row, ...]}`` and, with ``n_pairs`` > 0, ``"minimal_pairs": {"accuracy",
    "n_pairs", "per_phenomenon": {name: accuracy}}`` (pseudo-log-likelihood of grammatical vs ungrammatical).
    ``log_probs``: see :func:`score_probes` (minimal pairs are always scored on their own).
    """
    from mlmcourse.progress import tqdm

    names = list(world.phenomena if phenomena is None else phenomena)
    rows = []
    for name in tqdm(names, desc="probes", unit="phenomenon", disable=not progress, leave=False):
        rows.append(score_probes(model, tokenizer, world.probes(name, n, seed=seed), batch_size, log_probs))
    counts = np.array([row["n"] for row in rows])
    if counts.sum() == 0:
        raise CourseError("no probe could be scored: every probe word splits into several tokens with this "
                          "tokenizer; use the course tokenizer (mlmcourse.tokenization.course_tokenizer()).")

    def overall(key: str) -> float:
        return float(sum(row[key] * row["n"] for row in rows if row["n"]) / counts.sum())

    report: dict[str, Any] = {key: overall(key) for key in ROW_KEYS[3:]}
    # Phenomena are independent samples: the overall gap's variance is the count-weighted sum of theirs.
    report["gap_se"] = float(math.sqrt(sum((row["n"] * row["gap_se"]) ** 2 for row in rows if row["n"] > 1))
                             / counts.sum())
    report.update({"n_probes": int(counts.sum()), "skipped": int(sum(row["skipped"] for row in rows)),
                   "per_phenomenon": rows})
    if n_pairs > 0:
        per_phenomenon, total = {}, []
        for name in names:
            pairs = world.minimal_pairs(name, n_pairs, seed=seed)
            if pairs:
                per_phenomenon[name] = minimal_pair_accuracy(model, tokenizer, pairs, batch_size, progress=False)
                total += [per_phenomenon[name]] * len(pairs)
        report["minimal_pairs"] = {"accuracy": float(np.mean(total)) if total else math.nan,
                                   "n_pairs": len(total), "per_phenomenon": per_phenomenon}
    return report


def format_probe_table(report: dict[str, Any]) -> str:
    """The per-phenomenon rows as a fixed-width text table (nats; accuracies in %)."""
    header = (f"{'phenomenon':<13}{'n':>5}{'model CE':>10}{'floor':>8}{'gap ± s.e.':>15}{'KL':>8}{'acc %':>8}"
              f"{'bayes %':>9}")
    lines = [header, "-" * len(header)]
    for row in report["per_phenomenon"] + [{**report, "phenomenon": "overall", "n": report["n_probes"]}]:
        lines.append(f"{row['phenomenon']:<13}{row['n']:>5}{row['probe_ce']:>10.3f}{row['bayes_floor']:>8.3f}"
                     f"{row['gap_nats']:>9.3f} ± {row['gap_se']:.3f}{row['kl']:>8.3f}{100 * row['accuracy']:>8.1f}"
                     f"{100 * row['bayes_accuracy']:>9.1f}")
    return "\n".join(lines)


def language_report(model: Any, tokenizer: Any, world: Any, n: int = 200, seed: int = 0, n_pairs: int = 0,
                    batch_size: int = 64, progress: bool = True) -> dict[str, Any]:
    """``probe_report`` for each language of a ``MultilingualToyWorld``, and overall numbers over all of them.

    Returns the overall keys of ``probe_report`` (every kept probe weighted equally, whatever its language) plus
    ``"per_language": {language: probe_report(...)}``; with ``n_pairs`` > 0 also the overall minimal-pair accuracy.
    """
    per_language = {language: probe_report(model, tokenizer, world.world(language), n=n, seed=seed, n_pairs=n_pairs,
                                           batch_size=batch_size, progress=progress)
                    for language in world.languages}
    counts = {language: report["n_probes"] for language, report in per_language.items()}
    total = sum(counts.values())
    report: dict[str, Any] = {key: float(sum(per_language[lang][key] * counts[lang] for lang in counts) / total)
                              for key in ROW_KEYS[3:]}
    # Languages are independent samples, as phenomena are within one: count-weighted variances add.
    report["gap_se"] = float(math.sqrt(sum((counts[lang] * per_language[lang]["gap_se"]) ** 2 for lang in counts))
                             / total)
    report.update({"n_probes": total, "skipped": sum(r["skipped"] for r in per_language.values()),
                   "per_language": per_language})
    if n_pairs > 0:
        pairs = [(r["minimal_pairs"]["accuracy"], r["minimal_pairs"]["n_pairs"]) for r in per_language.values()]
        report["minimal_pairs"] = {"accuracy": float(sum(a * k for a, k in pairs) / max(1, sum(k for _, k in pairs))),
                                   "n_pairs": sum(k for _, k in pairs)}
    return report


def format_language_table(report: dict[str, Any]) -> str:
    """One row per language (and overall): probes, model CE, Bayes floor, gap, KL, accuracies, minimal pairs."""
    header = (f"{'language':<10}{'n':>6}{'model CE':>10}{'floor':>8}{'gap':>8}{'KL':>8}{'acc %':>8}{'bayes %':>9}"
              f"{'pairs %':>9}")
    lines = [header, "-" * len(header)]
    rows = [(language, row) for language, row in report["per_language"].items()] + [("overall", report)]
    for name, row in rows:
        pairs = row.get("minimal_pairs")
        shown = f"{100 * pairs['accuracy']:>9.1f}" if pairs else f"{'':>9}"
        lines.append(f"{name:<10}{row['n_probes']:>6}{row['probe_ce']:>10.3f}{row['bayes_floor']:>8.3f}"
                     f"{row['gap_nats']:>8.3f}{row['kl']:>8.3f}{100 * row['accuracy']:>8.1f}"
                     f"{100 * row['bayes_accuracy']:>9.1f}{shown}")
    return "\n".join(lines)
