"""Everything the course measures about a masked LM, in one call: ``run_eval`` (what ``mlmcourse eval`` prints).

Teaches: an evaluation is a fixed recipe (which texts, how many masks, which probes, which seeds) so that two
models are graded on the same questions. ``evaluation_texts`` picks held-out texts (the toy world's test seed, or a
corpus's test split); ``run_eval`` adds perplexity and top-k accuracy, pseudo-perplexity, and on the toy world the
probes per phenomenon against the Bayes floor with minimal pairs, per language for a multilingual model.
Simplifies: single-token probes only (see ``probes``).
Mirrors: ``Trainer.evaluate`` plus ``compute_metrics``; the probes mirror LAMA and BLiMP.
"""

from __future__ import annotations

from typing import Any


def evaluation_texts(corpus: str, n_texts: int, seed: int = 0, languages: list[str] | None = None,
                     anchors: str = "none") -> list[str]:
    """Held-out texts: toy-world lines from its test seed (in ``languages``, equally many each, if given), or the
    first ``n_texts`` of a corpus's test split."""
    if corpus.lower() == "toyworld":
        from mlmcourse.corpora import TEST_SEED_OFFSET
        from mlmcourse.corpora.toyworld import ToyWorld

        if languages:
            from mlmcourse.corpora.multilingual import MultilingualToyWorld

            return MultilingualToyWorld(languages, anchors).generate(n_texts, seed=seed + TEST_SEED_OFFSET)
        return ToyWorld().generate(n_texts, seed=seed + TEST_SEED_OFFSET)
    from mlmcourse.corpora import load_corpus

    texts = [text for text in load_corpus(corpus, seed=seed)["test"]["text"] if text.strip()]
    return texts[:n_texts]


def tokenizer_languages(tokenizer: Any) -> list[str]:
    """The toy-world languages whose tag (``<fr>``) the tokenizer knows as one token: [] for a monolingual one."""
    from mlmcourse.corpora.languages import LANGUAGES, language_tag

    vocabulary = tokenizer.get_vocab()
    return [language for language in LANGUAGES if language_tag(language) in vocabulary]


def run_eval(model: Any, tokenizer: Any, corpus: str = "toyworld", n_texts: int = 2000, n_probes: int = 200,
             n_pairs: int = 100, pll_texts: int = 200, seed: int = 0, batch_size: int = 64,
             progress: bool = True, languages: list[str] | None = None, anchors: str = "none") -> dict[str, Any]:
    """Every metric of the course in one dict (see the module docstring).

    On the toy world with ``languages`` (default: every language the tokenizer has a tag for), the texts and probes
    come from the multilingual toy world and ``per_language`` holds each language's perplexity and probe report.
    """
    from mlmcourse.metrics.perplexity import evaluate_mlm
    from mlmcourse.metrics.pll import pseudo_perplexity
    from mlmcourse.metrics.probes import probe_report

    if corpus.lower() == "toyworld" and languages is None:
        languages = tokenizer_languages(tokenizer) or None
    texts = evaluation_texts(corpus, n_texts, seed, languages, anchors)
    result: dict[str, Any] = {"corpus": corpus}
    result.update(evaluate_mlm(model, tokenizer, texts, seed=seed, batch_size=batch_size, progress=progress))
    if pll_texts > 0:
        result["pseudo_perplexity"] = pseudo_perplexity(model, tokenizer, texts[:pll_texts], batch_size, progress)
    if corpus.lower() == "toyworld" and languages:
        result.update(_per_language(model, tokenizer, texts, languages, anchors, n_probes, n_pairs, seed, batch_size,
                                    progress))
    elif corpus.lower() == "toyworld" and n_probes > 0:
        from mlmcourse.corpora.toyworld import ToyWorld

        report = probe_report(model, tokenizer, ToyWorld(), n=n_probes, seed=seed, n_pairs=n_pairs,
                              batch_size=batch_size, progress=progress)
        result.update({f"probe_{key}" if key in ("accuracy", "bayes_accuracy") else key: value
                       for key, value in report.items()})
    return result


def _per_language(model: Any, tokenizer: Any, texts: list[str], languages: list[str], anchors: str, n_probes: int,
                  n_pairs: int, seed: int, batch_size: int, progress: bool) -> dict[str, Any]:
    """Perplexity and (with ``n_probes`` > 0) probes of each language; overall probe keys over all languages."""
    from mlmcourse.corpora.multilingual import MultilingualToyWorld
    from mlmcourse.metrics.perplexity import evaluate_mlm
    from mlmcourse.metrics.probes import language_report

    world = MultilingualToyWorld(languages, anchors)
    per_language: dict[str, dict[str, Any]] = {}
    for language in world.languages:
        own = [text for text in texts if world.language_of(text) == language]
        per_language[language] = evaluate_mlm(model, tokenizer, own, seed=seed, batch_size=batch_size,
                                              progress=False) if own else {"n_texts": 0}
    result: dict[str, Any] = {"languages": world.languages, "anchors": anchors, "per_language": per_language}
    if n_probes > 0:
        report = language_report(model, tokenizer, world, n=n_probes, seed=seed, n_pairs=n_pairs,
                                 batch_size=batch_size, progress=progress)
        for language, probes in report.pop("per_language").items():
            per_language[language].update(_renamed(probes))
            if "minimal_pairs" in probes:
                per_language[language]["minimal_pairs"] = probes["minimal_pairs"]["accuracy"]
        result.update(_renamed(report))
    return result


def _renamed(report: dict[str, Any]) -> dict[str, Any]:
    """A probe report's keys as ``eval`` prints them (``accuracy`` -> ``probe_accuracy``)."""
    return {f"probe_{key}" if key in ("accuracy", "bayes_accuracy") else key: value for key, value in report.items()}
