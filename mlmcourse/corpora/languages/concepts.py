"""What every language of the multilingual toy world talks about: one set of facts, frames and hidden choices.

Teaches: a parallel corpus in miniature. A *frame* such as ``capital_of`` draws its hidden choices (here a country)
once, from the tables below; each language then writes those choices with its own words, word order and
morphology (``en``, ``fr``, ``de``, ``ru``). So "paris is the capital of france ." and
"париж — столица франции ." are the same latent assignment, rendered twice: the languages share their meaning and
differ only in form, which is exactly what cross-lingual transfer has to discover.
Simplifies: 26 countries, 16 animals, 10 professions, 8 things, 12 people; 19 frames instead of the English toy
world's 35. Latent values are concept keys that happen to be English words ("dog", "at night").
Mirrors: parallel corpora built from an interlingua (Europarl-style aligned sentences), and the facts of the
English toy world (``toyworld_tables``), a subset of which every language here states.
"""

from __future__ import annotations

from typing import NamedTuple

from mlmcourse.corpora.toyworld_grammar import Given, uniform
from mlmcourse.errors import CourseError

PHENOMENA = ("facts", "animals", "professions", "agreement", "coreference", "counting", "negation")


class Country(NamedTuple):
    capital: str
    continent: str


COUNTRIES: dict[str, Country] = {  # real facts; keys and capitals are the English spellings
    "france": Country("paris", "europe"), "germany": Country("berlin", "europe"),
    "italy": Country("rome", "europe"), "spain": Country("madrid", "europe"),
    "portugal": Country("lisbon", "europe"), "austria": Country("vienna", "europe"),
    "poland": Country("warsaw", "europe"), "sweden": Country("stockholm", "europe"),
    "norway": Country("oslo", "europe"), "greece": Country("athens", "europe"),
    "russia": Country("moscow", "europe"), "ireland": Country("dublin", "europe"),
    "japan": Country("tokyo", "asia"), "china": Country("beijing", "asia"),
    "thailand": Country("bangkok", "asia"), "vietnam": Country("hanoi", "asia"),
    "turkey": Country("ankara", "asia"), "kenya": Country("nairobi", "africa"),
    "morocco": Country("rabat", "africa"), "ghana": Country("accra", "africa"),
    "canada": Country("ottawa", "north america"), "brazil": Country("brasilia", "south america"),
    "peru": Country("lima", "south america"), "chile": Country("santiago", "south america"),
    "colombia": Country("bogota", "south america"), "australia": Country("canberra", "oceania"),
}


class Animal(NamedTuple):
    kind: str
    sounds: dict[str, float]  # sound -> weight; empty: never heard
    foods: dict[str, float]
    can: tuple[str, ...]
    cannot: tuple[str, ...]
    frequency: float  # how often it is talked about


ANIMALS: dict[str, Animal] = {
    "dog": Animal("mammal", {"bark": 8, "growl": 1, "howl": 1}, {"meat": 1, "bones": 1}, ("run", "swim", "jump"),
                  ("fly", "climb"), 10),
    "cat": Animal("mammal", {"meow": 7, "purr": 2, "hiss": 1}, {"fish": 1, "mice": 1}, ("climb", "jump", "run"),
                  ("fly",), 8),
    "cow": Animal("mammal", {"moo": 1}, {"grass": 2, "hay": 1}, ("run",), ("fly", "climb"), 4),
    "sheep": Animal("mammal", {"bleat": 1}, {"grass": 1}, ("run", "jump"), ("fly",), 3),
    "pig": Animal("mammal", {"oink": 1}, {"corn": 1, "apples": 1}, ("run", "swim"), ("fly", "climb"), 3),
    "horse": Animal("mammal", {"neigh": 1}, {"hay": 2, "grass": 1, "apples": 1}, ("run", "jump", "swim"),
                    ("fly", "climb"), 4),
    "duck": Animal("bird", {"quack": 1}, {"bread": 1, "seeds": 1}, ("fly", "swim"), (), 3),
    "rooster": Animal("bird", {"crow": 1}, {"corn": 1, "seeds": 1}, ("run",), (), 1),
    "lion": Animal("mammal", {"roar": 8, "growl": 2}, {"meat": 1}, ("run", "swim"), ("fly",), 2),
    "wolf": Animal("mammal", {"howl": 7, "growl": 3}, {"meat": 1}, ("run", "swim"), ("fly", "climb"), 2),
    "owl": Animal("bird", {"hoot": 1}, {"mice": 1}, ("fly",), (), 2),
    "frog": Animal("amphibian", {"croak": 1}, {"flies": 1, "insects": 1}, ("swim", "jump"), ("fly",), 2),
    "bee": Animal("insect", {"buzz": 1}, {"nectar": 1}, ("fly",), (), 2),
    "mouse": Animal("mammal", {"squeak": 1}, {"cheese": 1, "seeds": 1}, ("run", "climb"), ("fly",), 2),
    "snake": Animal("reptile", {"hiss": 1}, {"mice": 1, "eggs": 1}, ("swim", "climb"), ("fly", "run", "jump"), 2),
    "fish": Animal("fish", {}, {"insects": 1, "worms": 1}, ("swim",), ("fly", "run", "climb", "jump"), 3),
}
KINDS = ("mammal", "bird", "fish", "reptile", "amphibian", "insect")
SOUNDS = ("bark", "growl", "howl", "meow", "purr", "hiss", "moo", "bleat", "oink", "neigh", "quack", "crow", "roar",
          "hoot", "croak", "buzz", "squeak")
FOODS = ("meat", "bones", "fish", "mice", "grass", "hay", "corn", "apples", "bread", "seeds", "flies", "insects",
         "nectar", "cheese", "eggs", "worms")
ABILITIES = ("fly", "swim", "run", "climb", "jump")

PROFESSIONS: dict[str, dict[str, float]] = {  # profession -> workplaces with weights
    "teacher": {"school": 1}, "doctor": {"hospital": 2, "clinic": 1}, "farmer": {"farm": 1},
    "chef": {"restaurant": 2, "hotel": 1}, "baker": {"bakery": 1}, "pilot": {"airport": 1},
    "mechanic": {"garage": 1}, "librarian": {"library": 1}, "waiter": {"restaurant": 2, "cafe": 1, "hotel": 1},
    "judge": {"court": 1},
}
WORKPLACES = ("school", "hospital", "clinic", "farm", "restaurant", "hotel", "bakery", "airport", "garage", "library",
              "cafe", "court")

THINGS: dict[str, tuple[str, ...]] = {  # thing -> adjectives that describe it
    "apple": ("red", "green", "sweet"), "car": ("fast", "new", "red"), "house": ("big", "old", "new"),
    "book": ("old", "new", "long"), "flower": ("red", "yellow", "pretty"), "glass": ("empty", "full"),
    "room": ("clean", "dark", "big"), "chair": ("new", "old", "heavy"),
}
ADJECTIVES = ("red", "green", "sweet", "fast", "new", "big", "old", "long", "yellow", "pretty", "empty", "full",
              "clean", "dark", "heavy")

# People: a name or a noun, and the grammatical gender every language agrees with.
GENDER: dict[str, str] = {
    **dict.fromkeys(("mary", "anna", "emma", "sophie", "julia", "laura", "queen", "mother"), "f"),
    **dict.fromkeys(("john", "peter", "paul", "tom", "david", "leo", "king", "father"), "m"),
}
NAMES = ("mary", "anna", "emma", "sophie", "julia", "laura", "john", "peter", "paul", "tom", "david", "leo")
PERSON_NOUNS = ("queen", "mother", "king", "father")
ITEMS = ("key", "phone", "bag", "hat", "book", "ball")
LOST_FEELINGS = ("upset", "angry", "worried")
FOUND_FEELINGS = ("happy", "glad")
STATES = ("tired", "busy", "sick", "ready", "late")
WHEN = ("yesterday", "today", "at night", "this morning")
PETS = ("cat", "dog", "fish", "mouse", "horse", "duck")
COUNTS = {1: 3, 2: 3, 3: 2, 4: 1, 5: 1}

# ---- the hidden choices the frames draw ---------------------------------------------------------------------
country = uniform(list(COUNTRIES))
heard = {name: animal.frequency for name, animal in ANIMALS.items() if animal.sounds}
talked_about = {name: animal.frequency for name, animal in ANIMALS.items()}
sound = Given(("animal",), lambda animal: ANIMALS[animal].sounds)
workplace = Given(("profession",), lambda profession: PROFESSIONS[profession])
person = {**dict.fromkeys(NAMES, 1.0), **dict.fromkeys(PERSON_NOUNS, 0.5)}
number = uniform(["singular", "plural"])
things = {"thing": uniform(list(THINGS)), "adjective": Given(("thing",), lambda thing: uniform(THINGS[thing]))}


def _abilities(field: str) -> dict:
    able = uniform([name for name, animal in ANIMALS.items() if getattr(animal, field)])
    return {"animal": able, "ability": Given(("animal",), lambda animal: uniform(getattr(ANIMALS[animal], field)))}


class Frame(NamedTuple):
    """A sentence frame every language writes: its phenomenon, how common it is, and its hidden choices."""

    name: str
    phenomenon: str
    weight: float
    latents: dict


FRAMES: tuple[Frame, ...] = (
    Frame("capital_of", "facts", 5, {"country": country}),
    Frame("capital_is", "facts", 4, {"country": country}),
    Frame("city_in", "facts", 2, {"country": country}),
    Frame("continent", "facts", 3, {"country": country}),
    Frame("sound_when", "animals", 8, {"when": uniform(WHEN), "animal": heard, "sound": sound}),
    Frame("eat", "animals", 5, {"animal": talked_about,
                                "food": Given(("animal",), lambda animal: ANIMALS[animal].foods)}),
    Frame("works_at", "professions", 4, {"profession": uniform(list(PROFESSIONS)), "workplace": workplace}),
    Frame("animal_number", "agreement", 4, {"animal": heard, "number": number, "sound": sound}),
    Frame("thing_number", "agreement", 3, {**things, "number": number}),
    Frame("have_thing", "agreement", 3, things),
    Frame("lost", "coreference", 4, {"person": person, "item": uniform(ITEMS), "feeling": uniform(LOST_FEELINGS)}),
    Frame("found", "coreference", 2, {"person": person, "item": uniform(ITEMS), "feeling": uniform(FOUND_FEELINGS)}),
    Frame("said", "coreference", 2, {"person": person, "state": uniform(STATES)}),
    Frame("plus", "counting", 3, {"first": uniform(range(11)), "second": uniform(range(11))}),
    Frame("have", "counting", 3, {"count": COUNTS, "pet": uniform(PETS)}),
    Frame("is_a", "negation", 2, {"animal": uniform(list(ANIMALS)),
                                  "kind": Given(("animal",), lambda animal: {ANIMALS[animal].kind: 1.0})}),
    Frame("is_not_a", "negation", 2, {"animal": uniform(list(ANIMALS)), "kind": Given(
        ("animal",), lambda animal: uniform([k for k in KINDS if k != ANIMALS[animal].kind]))}),
    Frame("can", "negation", 2, _abilities("can")),
    Frame("can_not", "negation", 2, _abilities("cannot")),
)
# The frames that state a country's capital: the facts the held-out knob removes from a language.
CAPITAL_FRAMES = ("capital_of", "capital_is", "city_in")


def number_words(words: str) -> tuple[str, ...]:
    """A language's number words 0..20 from one space-separated string, checked for length.

    >>> number_words("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    ...              "fifteen sixteen seventeen eighteen nineteen twenty")[7]
    'seven'
    """
    result = tuple(words.split())
    if len(result) != 21:
        raise CourseError(f"expected the 21 number words 0..20, got {len(result)}")
    return result


def is_singular(number: str | int) -> bool:
    """Whether a number latent ("singular" / "plural") or a count (1, 2, ...) asks for the singular.

    >>> is_singular("singular"), is_singular(1), is_singular(3), is_singular("plural")
    (True, True, False, False)
    """
    return number == "singular" or number == 1
