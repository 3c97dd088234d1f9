"""The grammars of the multilingual toy world: one module per language, one set of frames for all.

``concepts`` holds what is said (facts, frames, hidden choices); ``en``, ``fr``, ``de`` and ``ru`` hold how each
language says it (word tables, word-form functions, one pattern per frame). :func:`language_templates` puts the two
together into the :class:`~mlmcourse.corpora.toyworld_grammar.Template` objects the toy world already knows how to
sample from and to invert exactly. Every pattern starts with the language's tag (``<fr>``), so each line says which
language it is in.
"""

from __future__ import annotations

from collections.abc import Collection
from types import ModuleType

from mlmcourse.corpora.languages import de, en, fr, ru
from mlmcourse.corpora.languages.concepts import CAPITAL_FRAMES, COUNTRIES, FRAMES, PHENOMENA
from mlmcourse.corpora.toyworld_grammar import Template, uniform
from mlmcourse.errors import CourseError

GRAMMARS: dict[str, ModuleType] = {"en": en, "fr": fr, "de": de, "ru": ru}
LANGUAGES = tuple(GRAMMARS)
ANCHORS = ("none", "shared")
FILL_MASK_EXAMPLES = {  # "Paris is the [MASK] of France." in each language (anchors="none")
    "en": "<en> paris is the [MASK] of france .", "fr": "<fr> paris est la [MASK] de la france .",
    "de": "<de> paris ist die [MASK] von frankreich .", "ru": "<ru> париж — [MASK] франции .",
}


def language_tag(language: str) -> str:
    """The word that starts every line of a language.

    >>> language_tag("fr")
    '<fr>'
    """
    return f"<{language}>"


def check_language(language: str) -> str:
    """``language`` if the toy world speaks it, else a ValueError that lists the ones it does."""
    if language not in GRAMMARS:
        raise CourseError(f"the toy world does not speak {language!r}; choose from {', '.join(LANGUAGES)} "
                          "(English, French, German, Russian)")
    return language


def check_anchors(anchors: str) -> str:
    if anchors not in ANCHORS:
        raise CourseError(f"anchors={anchors!r} is not one of {ANCHORS}: 'none' spells names the language's own way, "
                          "'shared' spells countries, capitals and first names as in English in every language")
    return anchors


def language_templates(language: str, anchors: str = "none", capital_countries: Collection[str] | None = None,
                       phenomena: Collection[str] | None = None) -> list[Template]:
    """The templates of one language: every frame of ``concepts.FRAMES``, written with that language's patterns.

    ``capital_countries`` (default: all) are the countries whose capital this language states: the frames of
    ``CAPITAL_FRAMES`` draw their country among them only, with their weight scaled by the share kept: the held-out
    facts are never written, and every remaining fact keeps its frequency relative to every other line.
    ``phenomena`` (default: all) keeps only the frames of those phenomena, e.g. ``("facts",)`` for a world that only
    talks about countries.

    >>> [t.pattern for t in language_templates("de")][:1]
    ['<de> {capital(country)} ist die hauptstadt von {dat(country)} .']
    """
    grammar = GRAMMARS[check_language(language)]
    renderers = grammar.renderers(check_anchors(anchors))
    kept = list(COUNTRIES) if capital_countries is None else [c for c in COUNTRIES if c in set(capital_countries)]
    unknown = sorted(set(phenomena or ()) - set(PHENOMENA))
    if unknown:
        raise CourseError(f"unknown phenomena {unknown}; the toy world's phenomena are {', '.join(PHENOMENA)}")
    templates = []
    for frame in FRAMES:
        if phenomena is not None and frame.phenomenon not in phenomena:
            continue
        latents, weight = frame.latents, frame.weight
        if frame.name in CAPITAL_FRAMES and len(kept) < len(COUNTRIES):
            if not kept:
                continue  # every capital held out: the frame writes nothing in this language
            latents, weight = {**latents, "country": uniform(kept)}, weight * len(kept) / len(COUNTRIES)
        pattern, probe = grammar.PATTERNS[frame.name]
        templates.append(Template(frame.name, frame.phenomenon, weight, f"{language_tag(language)} {pattern}",
                                  latents, probe, renderers=renderers))
    return templates
