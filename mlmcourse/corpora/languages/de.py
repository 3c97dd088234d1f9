"""German for the multilingual toy world: three genders, case endings, verb-second and verb-final order.

Teaches: word order is grammar too. In a German main clause the verb comes second, whatever comes first: "gestern
bellte der hund ." (yesterday barked the dog), while in a clause after "dass" it goes to the end: "maria sagte ,
dass sie müde war ." Nouns have three genders (der hund, die katze, das pferd); after "ein" the adjective carries the
gender and the case ("ich habe einen roten apfel", "eine rote blume", "ein neues auto"); the possessive agrees with
both the owner ("sein" / "ihr") and the thing ("ihren schlüssel", "ihre tasche"); negating a noun changes its
article ("ein hund ist kein vogel").
Simplifies: the nominative and the accusative after "ein" are the only case endings; "von" instead of a genitive;
one past tense (the simple past).
Mirrors: the German verb-second and verb-final phenomena studied in agreement and word-order probes of multilingual
BERT (e.g. Mueller et al. 2020, cross-linguistic syntactic evaluation).
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.corpora.languages.concepts import COUNTRIES, GENDER, NAMES, is_singular, number_words

CODE = "de"
NAME = "German"

COUNTRY_NAMES = dict(zip(COUNTRIES, (
    "frankreich deutschland italien spanien portugal österreich polen schweden norwegen griechenland russland irland "
    "japan china thailand vietnam türkei kenia marokko ghana kanada brasilien peru chile kolumbien australien").split(),
    strict=True))
FEMININE_COUNTRIES = {"turkey"}  # "die türkei": a country name with an article
CAPITALS = dict(zip(COUNTRIES, ("paris berlin rom madrid lissabon wien warschau stockholm oslo athen moskau dublin "
                                "tokio peking bangkok hanoi ankara nairobi rabat accra ottawa brasilia lima santiago "
                                "bogota canberra").split(), strict=True))
CONTINENTS = {"europe": "europa", "asia": "asien", "africa": "afrika", "north america": "nordamerika",
              "south america": "südamerika", "oceania": "ozeanien"}

NOUNS = {  # concept -> (singular, gender, plural); m, f or n
    "dog": ("hund", "m", "hunde"), "cat": ("katze", "f", "katzen"), "cow": ("kuh", "f", "kühe"),
    "sheep": ("schaf", "n", "schafe"), "pig": ("schwein", "n", "schweine"), "horse": ("pferd", "n", "pferde"),
    "duck": ("ente", "f", "enten"), "rooster": ("hahn", "m", "hähne"), "lion": ("löwe", "m", "löwen"),
    "wolf": ("wolf", "m", "wölfe"), "owl": ("eule", "f", "eulen"), "frog": ("frosch", "m", "frösche"),
    "bee": ("biene", "f", "bienen"), "mouse": ("maus", "f", "mäuse"), "snake": ("schlange", "f", "schlangen"),
    "fish": ("fisch", "m", "fische"),
    "teacher": ("lehrer", "m", ""), "doctor": ("arzt", "m", ""), "farmer": ("bauer", "m", ""),
    "chef": ("koch", "m", ""), "baker": ("bäcker", "m", ""), "pilot": ("pilot", "m", ""),
    "mechanic": ("mechaniker", "m", ""), "librarian": ("bibliothekar", "m", ""), "waiter": ("kellner", "m", ""),
    "judge": ("richter", "m", ""),
    "apple": ("apfel", "m", "äpfel"), "car": ("auto", "n", "autos"), "house": ("haus", "n", "häuser"),
    "book": ("buch", "n", "bücher"), "flower": ("blume", "f", "blumen"), "glass": ("glas", "n", "gläser"),
    "room": ("zimmer", "n", "zimmer"), "chair": ("stuhl", "m", "stühle"),
    "key": ("schlüssel", "m", ""), "phone": ("handy", "n", ""), "bag": ("tasche", "f", ""), "hat": ("hut", "m", ""),
    "ball": ("ball", "m", ""),
    "mammal": ("säugetier", "n", ""), "bird": ("vogel", "m", ""), "reptile": ("reptil", "n", ""),
    "amphibian": ("amphibie", "f", ""), "insect": ("insekt", "n", ""),
}
WORKPLACES = {"school": "in der schule", "hospital": "im krankenhaus", "clinic": "in der klinik",
              "farm": "auf dem bauernhof", "restaurant": "im restaurant", "hotel": "im hotel",
              "bakery": "in der bäckerei", "airport": "am flughafen", "garage": "in der werkstatt",
              "library": "in der bibliothek", "cafe": "im café", "court": "im gericht"}
FOODS = dict(zip(("meat", "bones", "fish", "mice", "grass", "hay", "corn", "apples", "bread", "seeds", "flies",
                  "insects", "nectar", "cheese", "eggs", "worms"),
                 "fleisch knochen fisch mäuse gras heu mais äpfel brot samen fliegen insekten nektar käse eier "
                 "würmer".split(), strict=True))
SOUNDS = {  # sound -> (it ..., they ..., it ... in the past)
    "bark": ("bellt", "bellen", "bellte"), "growl": ("knurrt", "knurren", "knurrte"),
    "howl": ("heult", "heulen", "heulte"), "meow": ("miaut", "miauen", "miaute"),
    "purr": ("schnurrt", "schnurren", "schnurrte"), "hiss": ("zischt", "zischen", "zischte"),
    "moo": ("muht", "muhen", "muhte"), "bleat": ("blökt", "blöken", "blökte"),
    "oink": ("grunzt", "grunzen", "grunzte"), "neigh": ("wiehert", "wiehern", "wieherte"),
    "quack": ("quakt", "quaken", "quakte"), "crow": ("kräht", "krähen", "krähte"),
    "roar": ("brüllt", "brüllen", "brüllte"), "hoot": ("ruft", "rufen", "rief"),
    "croak": ("quakt", "quaken", "quakte"), "buzz": ("summt", "summen", "summte"),
    "squeak": ("piepst", "piepsen", "piepste"),
}
ADJECTIVES = {"red": "rot", "green": "grün", "sweet": "süß", "fast": "schnell", "new": "neu", "big": "groß",
              "old": "alt", "long": "lang", "yellow": "gelb", "pretty": "hübsch", "empty": "leer", "full": "voll",
              "clean": "sauber", "dark": "dunkel", "heavy": "schwer"}
ACCUSATIVE_ENDINGS = {"m": "en", "f": "e", "n": "es"}  # after "ein": einen roten apfel, eine rote blume, ein rotes auto
PERSONS = {"mary": "maria", "anna": "anna", "emma": "emma", "sophie": "sophie", "julia": "julia", "laura": "laura",
           "john": "johann", "peter": "peter", "paul": "paul", "tom": "tom", "david": "david", "leo": "leo",
           "queen": "die königin", "king": "der könig", "mother": "meine mutter", "father": "mein vater"}
WORDS = {"fly": "fliegen", "swim": "schwimmen", "run": "laufen", "climb": "klettern", "jump": "springen",
         "yesterday": "gestern", "today": "heute", "at night": "nachts", "this morning": "heute morgen",
         "upset": "traurig", "angry": "wütend", "worried": "besorgt", "happy": "glücklich", "glad": "froh",
         "tired": "müde", "busy": "beschäftigt", "sick": "krank", "ready": "bereit", "late": "zu spät"}
NUMBERS = number_words("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
                       "fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig")


def attributive(adjective: str, gender: str) -> str:
    """An adjective after "ein" in the accusative: the ending shows the noun's gender (an unstressed -el- loses
    its e).

    >>> attributive("rot", "m"), attributive("rot", "f"), attributive("neu", "n"), attributive("dunkel", "m")
    ('roten', 'rote', 'neues', 'dunklen')
    """
    stem = adjective[:-2] + "l" if adjective.endswith("el") else adjective
    return stem + ACCUSATIVE_ENDINGS[gender]


def renderers(anchors: str = "none") -> dict[str, Callable[..., str]]:
    """German word forms by name. ``anchors="shared"`` writes countries, capitals and names in English spelling
    (keeping German's articles: "von der turkey")."""
    shared = anchors == "shared"

    def country(key: str, article: str) -> str:
        name = key if shared else COUNTRY_NAMES[key]
        return f"{article} {name}" if key in FEMININE_COUNTRIES else name

    def gender(key: str) -> str:
        return GENDER.get(key) or NOUNS[key][1]

    def der(key: str, number: str = "singular") -> str:  # nominative
        return {"m": "der", "f": "die", "n": "das"}[gender(key)] if is_singular(number) else "die"

    def einen(key: str) -> str:  # accusative
        return {"m": "einen", "f": "eine", "n": "ein"}[gender(key)]

    def sein(person: str, item: str) -> str:
        stem = "ihr" if gender(person) == "f" else "sein"
        return stem + {"m": "en", "f": "e", "n": ""}[gender(item)]

    def person(key: str) -> str:
        return key if shared and key in NAMES else PERSONS[key]

    return {
        "nom": lambda key: country(key, "die"), "dat": lambda key: country(key, "der"),
        "capital": lambda key: COUNTRIES[key].capital if shared else CAPITALS[key],
        "continent": lambda key: CONTINENTS[COUNTRIES[key].continent],
        "der": der, "ein": lambda key: "eine" if gender(key) == "f" else "ein",
        "kein": lambda key: "keine" if gender(key) == "f" else "kein", "einen": einen,
        "sg": lambda key: NOUNS[key][0], "pl": lambda key: NOUNS[key][2],
        "noun": lambda key, number: NOUNS[key][0] if is_singular(number) else NOUNS[key][2],
        "at": lambda workplace: WORKPLACES[workplace], "food": lambda food: FOODS[food],
        "past": lambda sound: SOUNDS[sound][2],
        "verb": lambda sound, number: SOUNDS[sound][0] if number == "singular" else SOUNDS[sound][1],
        "be": lambda number: "ist" if number == "singular" else "sind",
        "adj": lambda adjective: ADJECTIVES[adjective],
        "attr": lambda adjective, thing: attributive(ADJECTIVES[adjective], gender(thing)),
        "who": person, "er": lambda key: "sie" if gender(key) == "f" else "er", "sein": sein,
        "num": lambda n: NUMBERS[n], "sum": lambda first, second: NUMBERS[first + second],
        "count": lambda count, pet: einen(pet) if count == 1 else NUMBERS[count],
        "word": lambda concept: WORDS[concept],
    }


PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {  # frame -> (pattern, probe slots)
    "capital_of": ("{capital(country)} ist die hauptstadt von {dat(country)} .", ("capital(country)", "dat(country)")),
    "capital_is": ("die hauptstadt von {dat(country)} ist {capital(country)} .", ("capital(country)",)),
    "city_in": ("{capital(country)} ist eine stadt in {dat(country)} .", ("dat(country)",)),
    "continent": ("{nom(country)} liegt in {continent(country)} .", ("nom(country)",)),
    # verb-second: the time comes first, so the verb comes before its subject
    "sound_when": ("{word(when)} {past(sound)} {der(animal)} {sg(animal)} .", ("past(sound)", "sg(animal)")),
    "eat": ("{pl(animal)} fressen {food(food)} .", ("food(food)", "pl(animal)")),
    "works_at": ("der {sg(profession)} arbeitet {at(workplace)} .", ("at(workplace)", "sg(profession)")),
    "animal_number": ("{der(animal, number)} {noun(animal, number)} {verb(sound, number)} .",
                      ("verb(sound, number)",)),
    "thing_number": ("{der(thing, number)} {noun(thing, number)} {be(number)} {adj(adjective)} .",
                     ("be(number)",)),
    "have_thing": ("ich habe {einen(thing)} {attr(adjective, thing)} {sg(thing)} .",
                   ("attr(adjective, thing)", "sg(thing)")),
    "lost": ("{who(person)} verlor {sein(person, item)} {sg(item)} . {er(person)} war {word(feeling)} .",
             ("er(person)", "sein(person, item)")),
    "found": ("{who(person)} fand {sein(person, item)} {sg(item)} . {er(person)} war {word(feeling)} .",
              ("er(person)", "sein(person, item)")),
    # verb-final: in the clause after "dass" the verb "war" comes last
    "said": ("{who(person)} sagte , dass {er(person)} {word(state)} war .", ("er(person)",)),
    "plus": ("{num(first)} plus {num(second)} ist {sum(first, second)} .", ("sum(first, second)", "num(second)")),
    "have": ("ich habe {count(count, pet)} {noun(pet, count)} .", ("count(count, pet)", "noun(pet, count)")),
    "is_a": ("{ein(animal)} {sg(animal)} ist {ein(kind)} {sg(kind)} .", ("sg(kind)",)),
    "is_not_a": ("{ein(animal)} {sg(animal)} ist {kein(kind)} {sg(kind)} .", ("sg(kind)",)),
    "can": ("{ein(animal)} {sg(animal)} kann {word(ability)} .", ("sg(animal)", "word(ability)")),
    "can_not": ("{ein(animal)} {sg(animal)} kann nicht {word(ability)} .", ("sg(animal)", "word(ability)")),
}


def form_swaps() -> dict[str, str]:
    """Word -> the same word with another gender or number: the bad half of an agreement minimal pair.

    >>> swaps = form_swaps()
    >>> swaps["bellt"], swaps["roten"], swaps["einen"], swaps["das"]
    ('bellen', 'rote', 'eine', 'die')
    """
    swaps = {"der": "die", "die": "der", "das": "die", "einen": "eine", "eine": "ein", "ein": "einen",
             "ist": "sind", "sind": "ist"}
    for singular, plural, _ in SOUNDS.values():
        swaps[singular], swaps[plural] = plural, singular
    for adjective in ADJECTIVES.values():  # m -> f -> n -> m
        masculine, feminine, neuter = (attributive(adjective, g) for g in "mfn")
        swaps.update({masculine: feminine, feminine: neuter, neuter: masculine})
    return swaps
