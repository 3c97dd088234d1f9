"""English for the multilingual toy world: the course's toy English, on the shared frames of ``concepts``.

Teaches: the baseline the other grammars are compared with. English marks number on verbs ("the dog barks" /
"the dogs bark"), chooses "a" or "an" by sound, and marks the possessor's gender ("his" / "her") but has no
grammatical gender on nouns or adjectives: far less agreement than French, German or Russian.
Simplifies: the same word forms as the English toy world (``toyworld_words``); no proper-noun variants, since the
shared spellings of the other languages *are* the English ones.
Mirrors: the English toy world (``toyworld_templates``), frame for frame where a frame exists in both.
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.corpora.languages.concepts import COUNTRIES, GENDER, NAMES, is_singular
from mlmcourse.corpora.toyworld_tables import NUMBER_WORDS, PLURALS, VERBS
from mlmcourse.corpora.toyworld_words import article

CODE = "en"
NAME = "English"
_PLURALS = {**PLURALS, "glass": "glasses", "chair": "chairs"}


def noun(singular: str, number: str | int) -> str:
    """A noun in the singular or plural.

    >>> noun("mouse", "plural"), noun("glass", 2), noun("dog", 1)
    ('mice', 'glasses', 'dog')
    """
    return singular if is_singular(number) else _PLURALS[singular]


def who(person: str) -> str:
    """A person as the subject of a sentence: a name, or a noun phrase.

    >>> who("mary"), who("queen"), who("father")
    ('mary', 'the queen', 'my father')
    """
    if person in NAMES:
        return person
    return ("the " if person in ("queen", "king") else "my ") + person


def renderers(anchors: str = "none") -> dict[str, Callable[..., str]]:
    """The word-form functions English patterns call by name (``anchors`` changes nothing: these *are* the
    shared spellings)."""
    female = {person for person, gender in GENDER.items() if gender == "f"}
    return {
        "a": article,
        "capital": lambda country: COUNTRIES[country].capital,
        "continent": lambda country: COUNTRIES[country].continent,
        "past": lambda sound: VERBS[sound][1],
        "plural": lambda singular: _PLURALS[singular],
        "noun": noun,
        "verb": lambda sound, number: VERBS[sound][0] if number == "singular" else sound,
        "be": lambda number: "is" if number == "singular" else "are",
        "who": who,
        "pronoun": lambda person: "she" if person in female else "he",
        "possessive": lambda person: "her" if person in female else "his",
        "word": lambda n: NUMBER_WORDS[n],
        "sum": lambda first, second: NUMBER_WORDS[first + second],
    }


PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {  # frame -> (pattern, probe slots)
    "capital_of": ("{capital(country)} is the capital of {country} .", ("capital(country)", "country")),
    "capital_is": ("the capital of {country} is {capital(country)} .", ("capital(country)",)),
    "city_in": ("{capital(country)} is a city in {country} .", ("country",)),
    "continent": ("{country} is in {continent(country)} .", ("country",)),
    "sound_when": ("{when} the {animal} {past(sound)} .", ("past(sound)", "animal")),
    "eat": ("{plural(animal)} eat {food} .", ("food", "plural(animal)")),
    "works_at": ("the {profession} works at {a(workplace)} {workplace} .", ("workplace", "profession")),
    "animal_number": ("the {noun(animal, number)} {verb(sound, number)} .", ("verb(sound, number)",)),
    "thing_number": ("the {noun(thing, number)} {be(number)} {adjective} .", ("be(number)",)),
    "have_thing": ("i have {a(adjective)} {adjective} {thing} .", ("a(adjective)", "adjective", "thing")),
    "lost": ("{who(person)} lost {possessive(person)} {item} . {pronoun(person)} was {feeling} .",
             ("pronoun(person)", "possessive(person)")),
    "found": ("{who(person)} found {possessive(person)} {item} . {pronoun(person)} was {feeling} .",
              ("pronoun(person)", "possessive(person)")),
    "said": ("{who(person)} said that {pronoun(person)} was {state} .", ("pronoun(person)",)),
    "plus": ("{word(first)} plus {word(second)} is {sum(first, second)} .", ("sum(first, second)", "word(second)")),
    "have": ("i have {word(count)} {noun(pet, count)} .", ("word(count)", "noun(pet, count)")),
    "is_a": ("{a(animal)} {animal} is {a(kind)} {kind} .", ("kind",)),
    "is_not_a": ("{a(animal)} {animal} is not {a(kind)} {kind} .", ("kind",)),
    "can": ("{a(animal)} {animal} can {ability} .", ("animal", "ability")),
    "can_not": ("{a(animal)} {animal} can not {ability} .", ("animal", "ability")),
}


def form_swaps() -> dict[str, str]:
    """Word -> the same word with the other number: the ungrammatical half of an agreement minimal pair.

    >>> swaps = form_swaps()
    >>> swaps["barks"], swaps["bark"], swaps["an"], swaps["are"]
    ('bark', 'barks', 'a', 'is')
    """
    swaps = {"a": "an", "an": "a", "is": "are", "are": "is"}
    for lemma, (singular, _) in VERBS.items():
        swaps[singular], swaps[lemma] = lemma, singular
    return swaps
