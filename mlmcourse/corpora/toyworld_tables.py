"""The toy world's facts: what is true in it, and which words it knows.

Teaches: a language model's "knowledge" is statistics over text, and here the text comes from these tables.
Every fact is real (capitals, languages, continents, animal sounds and legs); the tables are small enough to
read in a minute, so a learner can check any prediction against the source of truth.
Simplifies: one-word names only (no "new delhi"), a few common plural and a/an exceptions, no tense system.
Mirrors: the fact triples of LAMA-style probes (Petroni et al., 2019) and BLiMP's minimal-pair phenomena
(Warstadt et al., 2020), in miniature.

How these facts become words (plurals, a/an, pronouns) is in ``toyworld_words``.
"""

from __future__ import annotations

from typing import NamedTuple


class Country(NamedTuple):
    capital: str
    continent: str
    languages: tuple[str, ...]  # the first is the most common one


# Real facts, one-word country and capital names only.
COUNTRIES: dict[str, Country] = {
    "france": Country("paris", "europe", ("french",)),
    "germany": Country("berlin", "europe", ("german",)),
    "italy": Country("rome", "europe", ("italian",)),
    "spain": Country("madrid", "europe", ("spanish",)),
    "portugal": Country("lisbon", "europe", ("portuguese",)),
    "netherlands": Country("amsterdam", "europe", ("dutch",)),
    "belgium": Country("brussels", "europe", ("dutch", "french")),
    "austria": Country("vienna", "europe", ("german",)),
    "switzerland": Country("bern", "europe", ("german", "french", "italian")),
    "poland": Country("warsaw", "europe", ("polish",)),
    "sweden": Country("stockholm", "europe", ("swedish",)),
    "norway": Country("oslo", "europe", ("norwegian",)),
    "denmark": Country("copenhagen", "europe", ("danish",)),
    "finland": Country("helsinki", "europe", ("finnish", "swedish")),
    "greece": Country("athens", "europe", ("greek",)),
    "ireland": Country("dublin", "europe", ("english", "irish")),
    "russia": Country("moscow", "europe", ("russian",)),
    "japan": Country("tokyo", "asia", ("japanese",)),
    "china": Country("beijing", "asia", ("chinese",)),
    "thailand": Country("bangkok", "asia", ("thai",)),
    "vietnam": Country("hanoi", "asia", ("vietnamese",)),
    "indonesia": Country("jakarta", "asia", ("indonesian",)),
    "iran": Country("tehran", "asia", ("persian",)),
    "iraq": Country("baghdad", "asia", ("arabic",)),
    "turkey": Country("ankara", "asia", ("turkish",)),
    "pakistan": Country("islamabad", "asia", ("urdu", "english")),
    "philippines": Country("manila", "asia", ("filipino", "english")),
    "jordan": Country("amman", "asia", ("arabic",)),
    "lebanon": Country("beirut", "asia", ("arabic",)),
    "egypt": Country("cairo", "africa", ("arabic",)),
    "kenya": Country("nairobi", "africa", ("swahili", "english")),
    "nigeria": Country("abuja", "africa", ("english",)),
    "ghana": Country("accra", "africa", ("english",)),
    "morocco": Country("rabat", "africa", ("arabic",)),
    "algeria": Country("algiers", "africa", ("arabic",)),
    "tunisia": Country("tunis", "africa", ("arabic",)),
    "senegal": Country("dakar", "africa", ("french",)),
    "tanzania": Country("dodoma", "africa", ("swahili", "english")),
    "uganda": Country("kampala", "africa", ("english", "swahili")),
    "angola": Country("luanda", "africa", ("portuguese",)),
    "canada": Country("ottawa", "north america", ("english", "french")),
    "cuba": Country("havana", "north america", ("spanish",)),
    "jamaica": Country("kingston", "north america", ("english",)),
    "brazil": Country("brasilia", "south america", ("portuguese",)),
    "chile": Country("santiago", "south america", ("spanish",)),
    "peru": Country("lima", "south america", ("spanish",)),
    "colombia": Country("bogota", "south america", ("spanish",)),
    "venezuela": Country("caracas", "south america", ("spanish",)),
    "ecuador": Country("quito", "south america", ("spanish",)),
    "uruguay": Country("montevideo", "south america", ("spanish",)),
    "australia": Country("canberra", "oceania", ("english",)),
    "fiji": Country("suva", "oceania", ("english", "fijian")),
}


class Animal(NamedTuple):
    plural: str
    kind: str  # mammal, bird, fish, reptile, amphibian, insect, arachnid
    legs: int | None  # None: not asked (a monkey's arms make "legs" debatable)
    sounds: dict[str, float]  # verb lemma -> weight; empty: the animal is never heard in the toy world
    foods: dict[str, float]
    homes: dict[str, float]
    can: tuple[str, ...]
    cannot: tuple[str, ...]
    frequency: float  # how often the animal is talked about


def _animal(plural, kind, legs, sounds, foods, homes, can=(), cannot=(), frequency=1.0) -> Animal:
    as_weights = lambda items: items if isinstance(items, dict) else dict.fromkeys(items, 1.0)  # noqa: E731
    return Animal(plural, kind, legs, as_weights(sounds), as_weights(foods), as_weights(homes),
                  tuple(can), tuple(cannot), frequency)


ANIMALS: dict[str, Animal] = {
    "dog": _animal("dogs", "mammal", 4, {"bark": 8, "growl": 1, "howl": 1}, ["meat", "bones"],
                   {"a house": 2, "a kennel": 1}, ["run", "swim", "jump"], ["fly", "climb"], 10),
    "puppy": _animal("puppies", "mammal", 4, {"bark": 6, "whine": 4}, ["milk", "meat"], ["a house"],
                     ["run", "jump"], ["fly"], 2),
    "cat": _animal("cats", "mammal", 4, {"meow": 7, "purr": 2, "hiss": 1}, ["fish", "mice"], ["a house"],
                   ["climb", "jump", "run"], ["fly"], 8),
    "cow": _animal("cows", "mammal", 4, ["moo"], {"grass": 2, "hay": 1}, ["a barn", "a field"],
                   ["run"], ["fly", "climb"], 4),
    "sheep": _animal("sheep", "mammal", 4, ["bleat"], ["grass"], ["a field"], ["run", "jump"], ["fly"], 3),
    "goat": _animal("goats", "mammal", 4, ["bleat"], ["grass", "leaves"], ["a barn", "a field"],
                    ["climb", "jump"], ["fly"], 2),
    "pig": _animal("pigs", "mammal", 4, ["oink"], ["corn", "apples"], ["a sty"], ["run", "swim"],
                   ["fly", "climb"], 3),
    "horse": _animal("horses", "mammal", 4, ["neigh"], {"hay": 2, "grass": 1, "apples": 1, "carrots": 1},
                     ["a stable"], ["run", "jump", "swim"], ["fly", "climb"], 4),
    "donkey": _animal("donkeys", "mammal", 4, ["bray"], ["hay", "grass"], ["a field"], ["run"], ["fly"], 1),
    "duck": _animal("ducks", "bird", 2, ["quack"], ["bread", "seeds"], ["a pond"], ["fly", "swim"], [], 3),
    "chicken": _animal("chickens", "bird", 2, ["cluck"], ["corn", "seeds"], ["a coop"], ["run"], [], 2),
    "rooster": _animal("roosters", "bird", 2, ["crow"], ["corn", "seeds"], ["a coop"], ["run"], [], 1),
    "lion": _animal("lions", "mammal", 4, {"roar": 8, "growl": 2}, ["meat"], ["the savanna"],
                    ["run", "swim"], ["fly"], 2),
    "tiger": _animal("tigers", "mammal", 4, {"roar": 6, "growl": 4}, ["meat"], ["the jungle"],
                     ["run", "swim", "climb"], ["fly"], 2),
    "wolf": _animal("wolves", "mammal", 4, {"howl": 7, "growl": 3}, ["meat"], ["the forest"],
                    ["run", "swim"], ["fly", "climb"], 2),
    "fox": _animal("foxes", "mammal", 4, {"screech": 6, "bark": 4}, ["mice", "berries"], ["a den"],
                   ["run", "jump"], ["fly"], 1),
    "bear": _animal("bears", "mammal", 4, {"growl": 8, "roar": 2}, ["honey", "fish", "berries"],
                    ["the forest", "a cave"], ["climb", "swim", "run"], ["fly"], 2),
    "elephant": _animal("elephants", "mammal", 4, ["trumpet"], ["grass", "leaves", "fruit"],
                        ["the savanna", "the jungle"], ["swim", "run"], ["fly", "jump"], 2),
    "monkey": _animal("monkeys", "mammal", None, ["screech"], ["bananas", "fruit"], ["the jungle"],
                      ["climb", "jump"], ["fly"], 2),
    "mouse": _animal("mice", "mammal", 4, ["squeak"], ["cheese", "seeds"], ["a hole"], ["run", "climb"],
                     ["fly"], 2),
    "bat": _animal("bats", "mammal", 2, ["squeak"], ["insects", "fruit"], ["a cave"], ["fly"], [], 1),
    "owl": _animal("owls", "bird", 2, ["hoot"], ["mice"], ["a tree"], ["fly"], [], 2),
    "eagle": _animal("eagles", "bird", 2, ["screech"], ["fish", "mice"], ["a nest"], ["fly"], [], 1),
    "parrot": _animal("parrots", "bird", 2, ["squawk"], ["seeds", "fruit"], ["the jungle"], ["fly", "climb"],
                      [], 2),
    "penguin": _animal("penguins", "bird", 2, [], ["fish"], ["antarctica"], ["swim"], ["fly"], 2),
    "ostrich": _animal("ostriches", "bird", 2, [], ["seeds", "plants"], ["the savanna"], ["run"], ["fly"], 1),
    "frog": _animal("frogs", "amphibian", 4, ["croak"], ["flies", "insects"], ["a pond"], ["swim", "jump"],
                    ["fly"], 2),
    "snake": _animal("snakes", "reptile", 0, ["hiss"], ["mice", "eggs"], ["a hole"], ["swim", "climb"],
                     ["fly", "run", "jump"], 2),
    "turtle": _animal("turtles", "reptile", 4, [], ["leaves", "plants"], ["the sea"], ["swim"],
                      ["fly", "jump"], 1),
    "crocodile": _animal("crocodiles", "reptile", 4, [], ["meat", "fish"], ["the river"], ["swim"],
                         ["fly", "climb"], 1),
    "fish": _animal("fish", "fish", 0, [], ["insects", "plants", "worms"], ["the water"], ["swim"],
                    ["fly", "run", "climb", "jump"], 3),
    "shark": _animal("sharks", "fish", 0, [], ["fish"], ["the ocean", "the sea"], ["swim"],
                     ["fly", "run", "climb"], 1),
    "whale": _animal("whales", "mammal", 0, ["sing"], ["fish"], ["the ocean"], ["swim"],
                     ["fly", "run", "climb"], 1),
    "dolphin": _animal("dolphins", "mammal", 0, [], ["fish"], ["the sea"], ["swim", "jump"],
                       ["fly", "run", "climb"], 1),
    "bee": _animal("bees", "insect", 6, ["buzz"], ["nectar"], ["a hive"], ["fly"], [], 2),
    "ant": _animal("ants", "insect", 6, [], ["sugar", "leaves"], ["a nest"], ["climb"], [], 1),
    "butterfly": _animal("butterflies", "insect", 6, [], ["nectar"], ["a garden"], ["fly"], [], 1),
    "spider": _animal("spiders", "arachnid", 8, [], ["flies", "insects"], ["a web"], ["climb"], ["fly"], 1),
    "rabbit": _animal("rabbits", "mammal", 4, [], ["carrots", "grass"], ["a burrow"], ["run", "jump"],
                      ["fly", "climb"], 3),
    "camel": _animal("camels", "mammal", 4, [], ["grass", "leaves"], ["the desert"], ["run"],
                     ["fly", "climb"], 1),
}
ANIMAL_KINDS = ("mammal", "bird", "fish", "reptile", "amphibian", "insect", "arachnid")

# Verb lemma -> (third person singular, past tense): animal sounds and everyday actions.
VERBS: dict[str, tuple[str, str]] = {
    "bark": ("barks", "barked"), "growl": ("growls", "growled"), "howl": ("howls", "howled"),
    "whine": ("whines", "whined"), "meow": ("meows", "meowed"), "purr": ("purrs", "purred"),
    "hiss": ("hisses", "hissed"), "moo": ("moos", "mooed"), "bleat": ("bleats", "bleated"),
    "oink": ("oinks", "oinked"), "neigh": ("neighs", "neighed"), "bray": ("brays", "brayed"),
    "quack": ("quacks", "quacked"), "cluck": ("clucks", "clucked"), "crow": ("crows", "crowed"),
    "roar": ("roars", "roared"), "squeak": ("squeaks", "squeaked"), "hoot": ("hoots", "hooted"),
    "screech": ("screeches", "screeched"), "squawk": ("squawks", "squawked"), "croak": ("croaks", "croaked"),
    "buzz": ("buzzes", "buzzed"), "trumpet": ("trumpets", "trumpeted"), "sing": ("sings", "sang"),
    "run": ("runs", "ran"), "walk": ("walks", "walked"), "sleep": ("sleeps", "slept"),
    "laugh": ("laughs", "laughed"), "swim": ("swims", "swam"), "read": ("reads", "read"),
    "dance": ("dances", "danced"), "cry": ("cries", "cried"), "cook": ("cooks", "cooked"),
}

# Everyday actions of people, each with the adverbial phrases that go with it.
ACTIONS: dict[str, tuple[str, ...]] = {
    "run": ("fast", "every day", "in the park"), "walk": ("slowly", "to school", "in the park"),
    "sleep": ("well", "at night", "late"), "sing": ("loudly", "well", "every day"),
    "laugh": ("loudly", "again", "a lot"), "swim": ("fast", "every day", "well"),
    "read": ("every day", "at night", "a lot"), "dance": ("well", "at night", "a lot"),
    "cry": ("again", "at night", "a lot"), "cook": ("well", "every day", "at home"),
}

# Countable nouns: singular -> plural (animals are added below).
PLURALS: dict[str, str] = {
    "child": "children", "man": "men", "woman": "women", "boy": "boys", "girl": "girls", "baby": "babies",
    "student": "students", "farmer": "farmers", "teacher": "teachers", "person": "people",
    "apple": "apples", "banana": "bananas", "leaf": "leaves", "car": "cars", "house": "houses",
    "book": "books", "flower": "flowers", "cup": "cups", "room": "rooms", "shoe": "shoes", "box": "boxes",
}
PLURALS.update({name: animal.plural for name, animal in ANIMALS.items()})

THINGS: dict[str, tuple[str, ...]] = {  # thing -> adjectives that describe it
    "apple": ("red", "green", "sweet"), "banana": ("yellow", "sweet"), "leaf": ("green", "yellow"),
    "car": ("fast", "new", "red"), "house": ("big", "old", "new"), "book": ("old", "new", "long"),
    "flower": ("red", "yellow", "pretty"), "cup": ("empty", "full"), "room": ("clean", "dark", "big"),
    "shoe": ("new", "old", "wet"), "box": ("heavy", "empty", "big"),
}
PEOPLE = ("child", "man", "woman", "boy", "girl", "baby", "student", "farmer", "teacher", "person")

FEMALE_NAMES = ("mary", "anna", "emma", "sarah", "lucy", "sophie", "alice", "julia", "laura", "olivia",
                "kate", "maria")
MALE_NAMES = ("john", "tom", "peter", "david", "james", "paul", "mark", "sam", "ben", "jack", "daniel", "leo")
FEMALE_NOUNS = ("the queen", "my mother", "my sister", "my aunt", "the girl", "the woman")
MALE_NOUNS = ("the king", "my father", "my brother", "my uncle", "the boy", "the man")
FEMALE = frozenset(FEMALE_NAMES + FEMALE_NOUNS)
RELATIVES = ("mother", "father", "sister", "brother", "aunt", "uncle", "friend", "neighbour", "cousin")
ITEMS = ("key", "phone", "bag", "hat", "book", "wallet", "umbrella", "ball", "pen", "watch", "coat", "ticket")


class Profession(NamedTuple):
    workplaces: dict[str, float]
    tools: dict[str, float]


PROFESSIONS: dict[str, Profession] = {
    "teacher": Profession({"school": 1}, {"blackboard": 1, "book": 1}),
    "doctor": Profession({"hospital": 2, "clinic": 1}, {"stethoscope": 2, "thermometer": 1}),
    "nurse": Profession({"hospital": 2, "clinic": 1}, {"thermometer": 1, "syringe": 1}),
    "farmer": Profession({"farm": 1}, {"tractor": 2, "spade": 1}),
    "chef": Profession({"restaurant": 2, "hotel": 1}, {"knife": 1, "pan": 1, "oven": 1}),
    "baker": Profession({"bakery": 1}, {"oven": 1}),
    "pilot": Profession({"airport": 1}, {"plane": 1}),
    "mechanic": Profession({"garage": 1}, {"wrench": 2, "hammer": 1}),
    "librarian": Profession({"library": 1}, {"computer": 1, "book": 1}),
    "waiter": Profession({"restaurant": 2, "cafe": 1, "hotel": 1}, {"tray": 2, "menu": 1}),
    "judge": Profession({"court": 1}, {"gavel": 1}),
    "dentist": Profession({"clinic": 1}, {"drill": 1, "mirror": 1}),
    "painter": Profession({"studio": 1}, {"brush": 2, "ladder": 1}),
    "carpenter": Profession({"workshop": 1}, {"hammer": 1, "saw": 1, "drill": 1}),
    "fisherman": Profession({"harbour": 1}, {"net": 2, "boat": 1}),
    "scientist": Profession({"laboratory": 2, "university": 1}, {"microscope": 2, "computer": 1}),
    "programmer": Profession({"office": 1}, {"computer": 2, "laptop": 1}),
    "cashier": Profession({"shop": 1, "supermarket": 1, "bank": 1}, {"till": 1}),
    "gardener": Profession({"park": 1}, {"spade": 1, "rake": 1, "hose": 1}),
    "banker": Profession({"bank": 1}, {"computer": 1, "calculator": 1}),
    "barber": Profession({"salon": 1}, {"comb": 1, "razor": 1}),
    "vet": Profession({"clinic": 1, "zoo": 1}, {"stethoscope": 1}),
    "zookeeper": Profession({"zoo": 1}, {"bucket": 1}),
    "actor": Profession({"theatre": 1}, {"script": 1}),
    "engineer": Profession({"factory": 2, "office": 1}, {"computer": 1, "ruler": 1}),
    "architect": Profession({"office": 1}, {"pencil": 1, "ruler": 1}),
    "electrician": Profession({"factory": 1}, {"screwdriver": 1}),
}

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                "nineteen", "twenty")
FOODS_WITH_ARTICLE = ("apple", "egg", "orange", "banana", "pear", "onion", "sandwich", "avocado")
