"""The toy world's templates: which sentences exist, how often, and which word each probe masks.

Teaches: what a corpus "contains" is decided by its generative process. Each template below is a sentence
frame with hidden choices; its weight says how common it is. The ``probe`` slots name the words that test the
template's phenomenon (the capital in a capital sentence, the verb in an agreement sentence, ...).
Simplifies: 35 frames and a few hundred words instead of a whole language.
Mirrors: the templated probe sets of LAMA (facts) and BLiMP (grammar), folded into one corpus.

Weights are relative: everyday animal sentences are the most common; every phenomenon gets at least
~10% of the lines, so a small model trained on 200k lines sees each fact well over a hundred times.
"""

from __future__ import annotations

from mlmcourse.corpora.toyworld_grammar import Given, Template, uniform
from mlmcourse.corpora.toyworld_tables import (
    ACTIONS,
    ANIMAL_KINDS,
    ANIMALS,
    COUNTRIES,
    FEMALE_NAMES,
    FEMALE_NOUNS,
    FOODS_WITH_ARTICLE,
    ITEMS,
    MALE_NAMES,
    MALE_NOUNS,
    PEOPLE,
    PROFESSIONS,
    RELATIVES,
    THINGS,
)

PHENOMENA = ("facts", "animals", "professions", "agreement", "coreference", "counting", "negation")

NAMES = FEMALE_NAMES + MALE_NAMES
HEARD_ANIMALS = {name: animal.frequency for name, animal in ANIMALS.items() if animal.sounds}
TALKED_ABOUT_ANIMALS = {name: animal.frequency for name, animal in ANIMALS.items()}
OBJECTS = {"me": 4, "us": 1, "him": 1, "her": 1, "them": 1, "the farmer": 2, "the child": 1,
           "the children": 1, "the man": 1, "the woman": 1, "the baby": 1, "the postman": 1}
NUMBERS = uniform(["singular", "plural"])
PETS = ("cat", "dog", "fish", "rabbit", "mouse", "horse", "goat", "duck", "chicken", "parrot")
COUNTS = {1: 3, 2: 3, 3: 2, 4: 1, 5: 1}

country = uniform(list(COUNTRIES))
language = Given(("country",), lambda c: {lang: 2.0 if i == 0 else 1.0
                                          for i, lang in enumerate(COUNTRIES[c].languages)})
sound = Given(("animal",), lambda animal: ANIMALS[animal].sounds)
workplace = Given(("profession",), lambda profession: PROFESSIONS[profession].workplaces)
true_kind = Given(("animal",), lambda animal: {ANIMALS[animal].kind: 1.0})
other_kind = Given(("animal",), lambda animal: uniform([k for k in ANIMAL_KINDS if k != ANIMALS[animal].kind]))
# "is a bat a bird ?": half the questions ask the true kind, half a wrong one
asked_kind = Given(("animal",), lambda animal: {k: len(ANIMAL_KINDS) - 1.0 if k == ANIMALS[animal].kind else 1.0
                                               for k in ANIMAL_KINDS})
person = {**dict.fromkeys(NAMES, 1.0), **dict.fromkeys(FEMALE_NOUNS + MALE_NOUNS, 0.5)}


def _abilities(field: str) -> tuple[dict, Given]:
    animals = uniform([name for name, animal in ANIMALS.items() if getattr(animal, field)])
    return animals, Given(("animal",), lambda animal: uniform(getattr(ANIMALS[animal], field)))


TEMPLATES: tuple[Template, ...] = (
    # ---- facts: countries, capitals, languages, continents -------------------------------------------
    Template("capital_of", "facts", 5, "{capital(country)} is the capital of {country} .",
             {"country": country}, probe=["capital(country)", "country"]),
    Template("capital_is", "facts", 4, "the capital of {country} is {capital(country)} .",
             {"country": country}, probe=["capital(country)"]),
    Template("speak", "facts", 4, "people in {country} speak {language} .",
             {"country": country, "language": language}, probe=["language", "country"]),
    Template("spoken_in", "facts", 2, "{language} is spoken in {country} .",
             {"country": country, "language": language}, probe=["country"]),
    Template("continent", "facts", 3, "{country} is in {continent(country)} .",
             {"country": country}, probe=["country"]),
    Template("city_in", "facts", 2, "{capital(country)} is a city in {country} .",
             {"country": country}, probe=["country"]),
    # ---- animals: sounds, foods, homes ------------------------------------------------------------------
    Template("sound_at", "animals", 8, "the {animal} {past(sound)} at {target} .",
             {"animal": HEARD_ANIMALS, "sound": sound, "target": OBJECTS}, probe=["past(sound)", "animal"]),
    Template("sound_when", "animals", 3, "the {animal} {past(sound)} {when} .",
             {"animal": HEARD_ANIMALS, "sound": sound,
              "when": uniform(["loudly", "all night", "again", "this morning"])}, probe=["past(sound)"]),
    Template("eat", "animals", 5, "{plural(animal)} eat {food} .",
             {"animal": TALKED_ABOUT_ANIMALS, "food": Given(("animal",), lambda a: ANIMALS[a].foods)},
             probe=["food", "plural(animal)"]),
    Template("lives", "animals", 4, "{a(animal)} {animal} lives in {home} .",
             {"animal": TALKED_ABOUT_ANIMALS, "home": Given(("animal",), lambda a: ANIMALS[a].homes)},
             probe=["home", "animal"]),
    # ---- professions: workplaces and tools ----------------------------------------------------------------
    Template("works_at", "professions", 4, "the {profession} works at {a(workplace)} {workplace} .",
             {"profession": uniform(list(PROFESSIONS)), "workplace": workplace},
             probe=["workplace", "profession"]),
    Template("uses", "professions", 3, "{a(profession)} {profession} uses {a(tool)} {tool} .",
             {"profession": uniform(list(PROFESSIONS)),
              "tool": Given(("profession",), lambda p: PROFESSIONS[p].tools)}, probe=["tool", "profession"]),
    Template("relative_job", "professions", 3,
             "my {relative} is {a(profession)} {profession} and works at {a(workplace)} {workplace} .",
             {"relative": uniform(RELATIVES), "profession": uniform(list(PROFESSIONS)), "workplace": workplace},
             probe=["workplace"]),
    # ---- agreement: subject-verb number, a/an ---------------------------------------------------------------
    Template("animal_number", "agreement", 4, "the {noun(animal, number)} {verb(sound, number)} .",
             {"animal": HEARD_ANIMALS, "number": NUMBERS, "sound": sound}, probe=["verb(sound, number)"]),
    Template("person_number", "agreement", 3, "the {noun(person, number)} {verb(action, number)} {adverb} .",
             {"person": uniform(PEOPLE), "number": NUMBERS, "action": uniform(list(ACTIONS)),
              "adverb": Given(("action",), lambda action: uniform(ACTIONS[action]))},
             probe=["verb(action, number)"]),
    Template("thing_number", "agreement", 3, "the {noun(thing, number)} {be(number)} {adjective} .",
             {"thing": uniform(list(THINGS)), "number": NUMBERS,
              "adjective": Given(("thing",), lambda thing: uniform(THINGS[thing]))}, probe=["be(number)"]),
    # The verb agrees with the head noun, not with the nearer "attractor" noun (Linzen et al., 2016).
    Template("attractor", "agreement", 2,
             "the {noun(animal, number)} near the {noun(other, other_number)} {verb(sound, number)} .",
             {"animal": HEARD_ANIMALS, "number": NUMBERS,
              "other": Given(("animal",), lambda a: uniform([o for o in TALKED_ABOUT_ANIMALS if o != a])),
              "other_number": NUMBERS, "sound": sound}, probe=["verb(sound, number)"]),
    Template("saw", "agreement", 2, "i saw {a(animal)} {animal} {when} .",
             {"animal": TALKED_ABOUT_ANIMALS, "when": uniform(["yesterday", "today", "again", "at the zoo"])},
             probe=["a(animal)"]),
    Template("ate", "agreement", 2, "{name} ate {a(food)} {food} for {meal} .",
             {"name": uniform(NAMES), "food": uniform(FOODS_WITH_ARTICLE),
              "meal": uniform(["breakfast", "lunch", "dinner"])}, probe=["a(food)"]),
    # ---- coreference: a name or a gendered noun, then a pronoun -------------------------------------------------
    Template("lost", "coreference", 4, "{person} lost {possessive(person)} {item} . {pronoun(person)} was {feeling} .",
             {"person": person, "item": uniform(ITEMS), "feeling": uniform(["sad", "upset", "angry", "worried"])},
             probe=["pronoun(person)", "possessive(person)", "person"]),
    Template("found", "coreference", 2,
             "{person} found {possessive(person)} {item} . {pronoun(person)} was {feeling} .",
             {"person": person, "item": uniform(ITEMS), "feeling": uniform(["happy", "glad", "relieved"])},
             probe=["pronoun(person)", "possessive(person)"]),
    Template("gave", "coreference", 2,
             "{giver} gave {receiver} {a(item)} {item} . {pronoun(receiver)} thanked {object(giver)} .",
             {"giver": uniform(NAMES), "receiver": Given(("giver",), lambda g: uniform([n for n in NAMES if n != g])),
              "item": uniform(ITEMS)}, probe=["pronoun(receiver)", "object(giver)", "giver"]),
    Template("said", "coreference", 2, "{person} said that {pronoun(person)} was {state} .",
             {"person": person, "state": uniform(["tired", "hungry", "cold", "busy", "sick", "late", "ready"])},
             probe=["pronoun(person)", "person"]),
    Template("job", "coreference", 2,
             "{name} is {a(profession)} {profession} . {pronoun(name)} works at {a(workplace)} {workplace} .",
             {"name": uniform(NAMES), "profession": uniform(list(PROFESSIONS)), "workplace": workplace},
             probe=["pronoun(name)"]),
    # ---- counting: arithmetic and number agreement in number words ------------------------------------------
    Template("plus", "counting", 3, "{word(first)} plus {word(second)} is {sum(first, second)} .",
             {"first": uniform(range(11)), "second": uniform(range(11))},
             probe=["sum(first, second)", "word(second)"]),
    Template("minus", "counting", 2, "{word(first)} minus {word(second)} is {difference(first, second)} .",
             {"first": uniform(range(11)), "second": Given(("first",), lambda first: uniform(range(first + 1)))},
             probe=["difference(first, second)"]),
    Template("have", "counting", 3,
             "i have {word(count)} {noun(pet, count)} and {word(other_count)} {noun(other_pet, other_count)} .",
             {"count": COUNTS, "pet": uniform(PETS), "other_count": COUNTS,
              "other_pet": Given(("pet",), lambda pet: uniform([p for p in PETS if p != pet]))},
             probe=["word(count)", "word(other_count)"]),
    Template("legs", "counting", 2, "{a(animal)} {animal} has {legs(animal)} legs .",
             {"animal": uniform([name for name, animal in ANIMALS.items() if animal.legs is not None])},
             probe=["legs(animal)"]),
    Template("before", "counting", 1, "{word(number)} comes before {next(number)} .",
             {"number": uniform(range(20))}, probe=["next(number)"]),
    Template("after", "counting", 1, "{next(number)} comes after {word(number)} .",
             {"number": uniform(range(20))}, probe=["word(number)"]),
    # ---- negation: true and false statements about animals -----------------------------------------------------
    Template("is_a", "negation", 2, "{a(animal)} {animal} is {a(kind)} {kind} .",
             {"animal": uniform(list(ANIMALS)), "kind": true_kind}, probe=["kind"]),
    Template("is_not_a", "negation", 2, "{a(animal)} {animal} is not {a(kind)} {kind} .",
             {"animal": uniform(list(ANIMALS)), "kind": other_kind}, probe=["kind"]),
    Template("question", "negation", 2, "is {a(animal)} {animal} {a(kind)} {kind} ? {answer(animal, kind)} .",
             {"animal": uniform(list(ANIMALS)), "kind": asked_kind}, probe=["answer(animal, kind)"]),
    Template("can", "negation", 2, "{a(animal)} {animal} can {ability} .",
             dict(zip(("animal", "ability"), _abilities("can"), strict=True)), probe=["animal", "ability"]),
    Template("can_not", "negation", 2, "{a(animal)} {animal} can not {ability} .",
             dict(zip(("animal", "ability"), _abilities("cannot"), strict=True)), probe=["animal", "ability"]),
)
