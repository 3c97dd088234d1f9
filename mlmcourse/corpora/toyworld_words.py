"""The toy world's word forms: how a latent value becomes words ("dog" -> "dogs", "elephant" -> "an").

Teaches: much of what a masked language model learns is form, not meaning: agreement ("the dogs bark"),
articles ("an elephant"), pronouns ("mary ... she"). Here each form is a tiny function over the fact tables;
templates call them by name, e.g. ``{capital(country)}`` or ``{a(animal)}`` (see ``RENDERERS``).
Simplifies: a handful of irregular plurals and a/an exceptions; no tenses beyond the past of a few verbs.
Mirrors: the morphological rules that BLiMP's agreement paradigms (Warstadt et al., 2020) are generated from.
"""

from __future__ import annotations

from mlmcourse.corpora.toyworld_tables import ANIMALS, COUNTRIES, FEMALE, NUMBER_WORDS, PLURALS, VERBS
from mlmcourse.errors import CourseError

_AN_EXCEPTIONS = {"university": "a", "unicorn": "a", "hour": "an"}


def article(phrase: str) -> str:
    """The indefinite article for a noun phrase: "an" before a vowel sound.

    >>> article("elephant"), article("dog"), article("university")
    ('an', 'a', 'a')
    """
    first = phrase.split()[0]
    return _AN_EXCEPTIONS.get(first, "an" if first[0] in "aeiou" else "a")


def number_word(number: int) -> str:
    """Spell a number from 0 to 20 as a word.

    >>> number_word(7), number_word(20)
    ('seven', 'twenty')
    """
    if not 0 <= number < len(NUMBER_WORDS):
        raise CourseError(f"the toy world spells numbers 0..{len(NUMBER_WORDS) - 1}, got {number}")
    return NUMBER_WORDS[number]


def noun(singular: str, number: str | int) -> str:
    """The noun in the singular or plural: `number` is "singular", "plural" or a count.

    >>> noun("dog", "plural"), noun("mouse", 2), noun("sheep", "plural"), noun("cat", 1)
    ('dogs', 'mice', 'sheep', 'cat')
    """
    is_singular = number == "singular" or number == 1
    return singular if is_singular else PLURALS[singular]


def verb(lemma: str, number: str) -> str:
    """A present-tense verb agreeing with a singular or plural subject.

    >>> verb("bark", "singular"), verb("bark", "plural"), verb("buzz", "singular")
    ('barks', 'bark', 'buzzes')
    """
    return VERBS[lemma][0] if number == "singular" else lemma


def pronoun(person: str) -> str:
    """Subject pronoun for a name or a gendered noun phrase.

    >>> pronoun("mary"), pronoun("the king")
    ('she', 'he')
    """
    return "she" if person in FEMALE else "he"


def yes_no(animal: str, kind: str) -> str:
    """The true answer to "is a/an ANIMAL a/an KIND ?".

    >>> yes_no("penguin", "bird"), yes_no("bat", "bird")
    ('yes', 'no')
    """
    return "yes" if ANIMALS[animal].kind == kind else "no"


# name used in template patterns -> function of latent values returning a word or a phrase
RENDERERS = {
    "a": article,
    "capital": lambda country: COUNTRIES[country].capital,
    "continent": lambda country: COUNTRIES[country].continent,
    "plural": lambda singular: PLURALS[singular],
    "noun": noun,
    "verb": verb,
    "past": lambda lemma: VERBS[lemma][1],
    "be": lambda number: "is" if number == "singular" else "are",
    "kind": lambda animal: ANIMALS[animal].kind,
    "legs": lambda animal: "no" if ANIMALS[animal].legs == 0 else number_word(ANIMALS[animal].legs),
    "word": number_word,
    "sum": lambda first, second: number_word(first + second),
    "difference": lambda first, second: number_word(first - second),
    "next": lambda number: number_word(number + 1),
    "pronoun": pronoun,
    "possessive": lambda person: "her" if person in FEMALE else "his",
    "object": lambda person: "her" if person in FEMALE else "him",
    "answer": yes_no,
}
