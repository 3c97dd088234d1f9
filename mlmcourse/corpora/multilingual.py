"""The toy world in several languages: one world, four grammars, exact answers in each.

Teaches: what a multilingual masked LM shares between languages, measured against ground truth. The same hidden
choices (a country, an animal, a number) are written in English, French, German and Russian
(``mlmcourse.corpora.languages``); each line starts with its language's tag::

    <en> paris is the capital of france .
    <fr> paris est la capitale de la france .
    <de> paris ist die hauptstadt von frankreich .
    <ru> париж — столица франции .

Why a tag: it makes the language part of the text the model reads (as the language tokens of XLM and mBART do), so
the exact P(word | rest of the line) is that language's posterior whatever the mix of languages, and fill-mask can
be asked in a chosen language. XLM-R does without tags; here the function words give the language away in every
line anyway, so the tag changes what the model can know by nothing but a word.
Two knobs make the experiments of notebook 11: ``held_out`` removes some facts (the capitals of chosen countries) from
chosen languages, so a model can be asked in Russian what it only ever read in English (zero-shot cross-lingual
transfer); ``anchors`` spells proper nouns the same in every language ("shared") or each language's own way ("none");
``phenomena`` keeps only some frames (``("facts",)``: a world that only talks about countries, for short runs).
Simplifies: 19 frames over a small shared inventory (``languages.concepts``); one generator per language, mixed
by the caller (``language_sampling``).
Mirrors: XNLI / MLQA-style zero-shot transfer and the anchor-word experiments of Pires et al. (2019, "How
multilingual is multilingual BERT?") and Conneau et al. (2020, "Emerging cross-lingual structure in pretrained
language models"), with exact posteriors instead of labelled test sets.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np

from mlmcourse.corpora.languages import (
    GRAMMARS,
    LANGUAGES,
    check_anchors,
    check_language,
    language_tag,
    language_templates,
)
from mlmcourse.corpora.languages.concepts import CAPITAL_FRAMES, COUNTRIES
from mlmcourse.corpora.toyworld import Probe, ToyWorld, _as_words
from mlmcourse.corpora.toyworld_grammar import Template
from mlmcourse.errors import CourseError


class LanguageWorld(ToyWorld):
    """One language of the multilingual toy world: a ToyWorld whose templates are that language's grammar.

    ``capital_countries`` (default: all) are the countries whose capital this language ever states; ``phenomena``
    (default: all) the phenomena whose frames it writes.

    >>> french = LanguageWorld("fr")
    >>> french.posterior("<fr> paris est la [MASK] de la france .", 4)
    {'capitale': 1.0}
    >>> {w: round(p, 2) for w, p in french.posterior("<fr> j' ai [MASK] souris .", 3).items()}
    {'deux': 0.3, 'une': 0.3, 'trois': 0.2, 'cinq': 0.1, 'quatre': 0.1}
    """

    def __init__(self, language: str = "en", anchors: str = "none", capital_countries: Collection[str] | None = None,
                 seed: int = 0, phenomena: Collection[str] | None = None):
        self.language, self.anchors = check_language(language), check_anchors(anchors)
        self.tag = language_tag(language)
        super().__init__(seed=seed, templates=language_templates(language, anchors, capital_countries, phenomena))
        self._swaps = GRAMMARS[language].form_swaps()

    def __repr__(self) -> str:
        return f"LanguageWorld({self.language!r}, {len(self.templates)} templates, {len(self.vocabulary)} words)"

    def _alternatives(self, template: Template, slot: str, words: list[str], index: int,
                      rng: np.random.Generator) -> list[str]:
        """Words for the bad half of a minimal pair: agreement swaps a form (gender, number); elsewhere another
        word of the same slot, preferring one that fits its neighbours (some line has the same words around it),
        so that the pair breaks a fact or a meaning rather than only an ending or an article ("au hôtel")."""
        word = words[index]
        if template.phenomenon == "agreement" and word in self._swaps:
            return [self._swaps[word]]
        candidates = [w for w in self._inventory.slot_words[template.name, slot] if w != word]
        candidates = [candidates[i] for i in rng.permutation(len(candidates)).tolist()]
        impossible = [w for w in candidates if not self._writes(words[:index] + [w] + words[index + 1:], set())]
        for window in ({index - 1, index, index + 1}, {index - 1, index}):  # both neighbours, then the one before
            free = set(range(len(words))) - window
            for candidate in impossible:
                if self._writes(words[:index] + [candidate] + words[index + 1:], unknown=free):
                    return [candidate]
        return impossible

    def _writes(self, words: list[str], unknown: set[int]) -> bool:
        """Whether some line of this language matches ``words`` with the ``unknown`` positions free."""
        target = [None if i in unknown else word for i, word in enumerate(words)]
        return any(True for template, _ in self._candidates(len(words)) for _ in template.enumerate(target))


class MultilingualToyWorld:
    """Several languages over one set of facts, with exact posteriors, probes and held-out facts per language.

    >>> world = MultilingualToyWorld(("en", "ru"), held_out={"ru": ["germany"]})
    >>> world.generate(2, seed=0)
    ['<en> ducks eat seeds .', '<ru> пётр потерял свою шляпу . он был расстроен .']
    >>> probe = world.held_out_probes("ru", 1, seed=0)[0]
    >>> probe.masked_text(), probe.posterior
    ('<ru> берлин — город в [MASK] .', {'германии': 1.0})
    >>> "<ru> берлин — столица германии ." in world.generate(5_000, seed=0)  # never written in Russian
    False
    """

    def __init__(self, languages: Sequence[str] = LANGUAGES, anchors: str = "none",
                 held_out: Mapping[str, Collection[str]] | None = None, seed: int = 0,
                 phenomena: Sequence[str] | None = None):
        if isinstance(languages, str):
            languages = [part.strip() for part in languages.split(",") if part.strip()]
        self.languages = [check_language(language) for language in languages]
        if not self.languages or len(set(self.languages)) != len(self.languages):
            raise CourseError(f"languages must name each language once, e.g. ('en', 'fr'); got {list(languages)}")
        self.anchors, self.seed = check_anchors(anchors), seed
        self.held_out = {language: sorted(countries) for language, countries in (held_out or {}).items()}
        for language, countries in self.held_out.items():
            if language not in self.languages:
                raise CourseError(f"held_out names {language!r}, which is not one of this world's languages "
                                  f"{self.languages}")
            unknown = sorted(set(countries) - set(COUNTRIES))
            if unknown:
                raise CourseError(f"held_out[{language!r}] names unknown countries {unknown}; the toy world's "
                                  f"countries are {', '.join(COUNTRIES)}")
        self.phenomena = None if phenomena is None else list(phenomena)
        self.worlds = {language: LanguageWorld(language, anchors, self._seen_countries(language), seed, phenomena)
                       for language in self.languages}
        self._full: dict[str, LanguageWorld] = {}

    def __repr__(self) -> str:
        held = f", held_out={ {k: len(v) for k, v in self.held_out.items()} }" if self.held_out else ""
        return f"MultilingualToyWorld({self.languages}, anchors={self.anchors!r}{held})"

    def _seen_countries(self, language: str) -> list[str]:
        hidden = set(self.held_out.get(language, ()))
        return [country for country in COUNTRIES if country not in hidden]

    # ---- the languages ---------------------------------------------------------------------------------------
    def world(self, language: str) -> LanguageWorld:
        """The grammar that writes ``language``'s lines (without its held-out facts): probes, posteriors, pairs."""
        if language not in self.worlds:
            raise CourseError(f"this world speaks {self.languages}, not {language!r}")
        return self.worlds[language]

    def full_world(self, language: str) -> LanguageWorld:
        """``language`` with every fact, held-out ones included: what is true, whether or not it was written."""
        if not self.held_out.get(language):
            return self.world(language)
        if language not in self._full:
            self._full[language] = LanguageWorld(language, self.anchors, seed=self.seed, phenomena=self.phenomena)
        return self._full[language]

    @property
    def vocabulary(self) -> list[str]:
        """Every word any of the languages can write, sorted (tags and "." included)."""
        return sorted({word for world in self.worlds.values() for word in world.vocabulary})

    def shared_words(self, first: str, second: str) -> list[str]:
        """Words both languages write, other than "." (the anchors a model could align them by).

        >>> MultilingualToyWorld(("en", "ru")).shared_words("en", "ru")
        []
        >>> len(MultilingualToyWorld(("en", "ru"), anchors="shared").shared_words("en", "ru"))
        64
        """
        common = set(self.world(first).vocabulary) & set(self.world(second).vocabulary)
        return sorted(common - {"."})

    def language_of(self, text: str | Sequence[str]) -> str:
        """The language a line is in, read from its tag.

        >>> MultilingualToyWorld().language_of("<de> der hund bellt .")
        'de'
        """
        words = _as_words(text)
        for language in self.languages:
            if words[0] == language_tag(language):
                return language
        raise CourseError(f"{' '.join(words)!r} does not start with a language tag of this world "
                          f"({', '.join(language_tag(language) for language in self.languages)})")

    # ---- generating --------------------------------------------------------------------------------------------
    def generate_by_language(self, counts: Mapping[str, int], seed: int | None = None,
                             progress: bool | None = None) -> dict[str, list[str]]:
        """``counts[language]`` lines of each language; a language's lines depend only on (seed, language, count)."""
        seed = self.seed if seed is None else seed
        return {language: self.world(language).generate(int(count), seed=[seed, LANGUAGES.index(language)],
                                                        progress=progress)
                for language, count in counts.items()}

    def generate(self, n_sentences: int | Mapping[str, int], seed: int | None = None,
                 progress: bool | None = None) -> list[str]:
        """Lines of all languages, shuffled together: ``n_sentences`` split as evenly as possible, or a count per
        language (``{"en": 900, "ru": 100}``)."""
        if isinstance(n_sentences, Mapping):
            counts = dict(n_sentences)
        else:
            if isinstance(n_sentences, bool) or not isinstance(n_sentences, int) or n_sentences < 0:
                raise CourseError(f"n_sentences must be a non-negative integer, got {n_sentences!r}")
            base, extra = divmod(n_sentences, len(self.languages))
            counts = {language: base + (i < extra) for i, language in enumerate(self.languages)}
        lines = [line for block in self.generate_by_language(counts, seed, progress).values() for line in block]
        rng = np.random.default_rng([self.seed if seed is None else seed, len(LANGUAGES)])
        return [lines[i] for i in rng.permutation(len(lines)).tolist()]

    # ---- exact answers ---------------------------------------------------------------------------------------------
    def posterior(self, words: str | Sequence[str], index: int, hidden: Sequence[int] = ()) -> dict[str, float]:
        """Exact P(word at ``index`` | the rest), under the grammar of the line's language (read from its tag).

        >>> MultilingualToyWorld().posterior("<ru> собака [MASK] .", 2)["лает"]
        0.8
        """
        words = _as_words(words)
        return self.world(self.language_of(words)).posterior(words, index, hidden)

    def log_prob(self, words: str | Sequence[str]) -> float:
        """log P(line | its language): each language is its own distribution; mixing them is the caller's choice."""
        words = _as_words(words)
        return self.world(self.language_of(words)).log_prob(words)

    def probes(self, language: str, phenomenon: str, n: int, seed: int | None = None) -> list[Probe]:
        """``n`` probes of one phenomenon in one language, drawn from what that language writes."""
        return self.world(language).probes(phenomenon, n, seed)

    def fact_probes(self, language: str, countries: Collection[str], n: int, seed: int | None = None) -> list[Probe]:
        """``n`` probes of the capital facts of ``countries`` in ``language``, with posteriors of the full language.

        Every probe masks a capital or a country in a sentence stating a capital; its exact posterior is what a model
        that knows the fact would say, whether or not the fact was ever written in this language.
        """
        countries = [country for country in COUNTRIES if country in set(countries)]
        if not countries:
            raise CourseError(f"fact_probes needs at least one country of {', '.join(COUNTRIES)}")
        templates = [t for t in language_templates(language, self.anchors, countries) if t.name in CAPITAL_FRAMES]
        drawn = ToyWorld(seed=self.seed, templates=templates).probes("facts", n, seed)
        full = self.full_world(language)
        return [Probe(p.words, p.index, p.answer, full.posterior(p.words, p.index), "facts", p.template) for p in drawn]

    def held_out_probes(self, language: str, n: int, seed: int | None = None) -> list[Probe]:
        """Probes of the facts ``language`` never writes (its ``held_out`` countries): zero-shot transfer."""
        if not self.held_out.get(language):
            raise CourseError(f"no facts are held out of {language!r}; build the world with "
                              f"held_out={{{language!r}: [country, ...]}}")
        return self.fact_probes(language, self.held_out[language], n, seed)

    def bayes_floor(self, probes: Sequence[Probe]) -> float:
        """Mean cross-entropy (nats) of the exact posterior on ``probes``: the lowest loss any model can expect."""
        return next(iter(self.worlds.values())).bayes_floor(probes)


def held_out_countries(fraction: float = 0.5, seed: int = 0) -> list[str]:
    """A reproducible random share of the countries, e.g. the capitals to hold out of a language.

    >>> held_out_countries(0.25, seed=0)
    ['australia', 'china', 'germany', 'ireland', 'kenya', 'poland', 'sweden']
    """
    if not 0 < fraction <= 1:
        raise CourseError(f"fraction must be in (0, 1], got {fraction}")
    count = max(1, math.ceil(fraction * len(COUNTRIES)))
    chosen = np.random.default_rng(seed).choice(len(COUNTRIES), size=count, replace=False)
    return sorted(list(COUNTRIES)[i] for i in chosen)
