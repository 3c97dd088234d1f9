"""French for the multilingual toy world: grammatical gender, elision, contraction, agreement, ne ... pas.

Teaches what English hides. Every noun has a gender that its article shows ("le chien", "la vache") and that its
adjectives repeat ("la pomme est verte", "le livre est vert", "les pommes sont vertes"). Articles fuse with
prepositions ("de le" -> "du", "à le" -> "au") and lose their vowel before a vowel ("l' abeille", "de l' herbe"):
French's a/an. The possessive agrees with the thing owned, not its owner ("marie a perdu son sac", "jean a perdu
sa clé"), so only the pronoun and the adjective tell the owner's gender. Negation wraps the verb ("ne peut pas").
Simplifies: the elided article is written as its own word (``l'``, ``n'``, ``qu'``, ``j'``) so that a noun keeps one
spelling, and one token, in every context; every adjective follows its noun; the past is always the passé composé
with "avoir".
Mirrors: the agreement and determiner paradigms of French BLiMP-style benchmarks, in miniature.
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.corpora.languages.concepts import COUNTRIES, GENDER, NAMES, is_singular, number_words

CODE = "fr"
NAME = "French"

COUNTRY_NAMES = {  # concept -> (name, gender)
    "france": ("france", "f"), "germany": ("allemagne", "f"), "italy": ("italie", "f"), "spain": ("espagne", "f"),
    "portugal": ("portugal", "m"), "austria": ("autriche", "f"), "poland": ("pologne", "f"),
    "sweden": ("suède", "f"), "norway": ("norvège", "f"), "greece": ("grèce", "f"), "russia": ("russie", "f"),
    "ireland": ("irlande", "f"), "japan": ("japon", "m"), "china": ("chine", "f"), "thailand": ("thaïlande", "f"),
    "vietnam": ("vietnam", "m"), "turkey": ("turquie", "f"), "kenya": ("kenya", "m"), "morocco": ("maroc", "m"),
    "ghana": ("ghana", "m"), "canada": ("canada", "m"), "brazil": ("brésil", "m"), "peru": ("pérou", "m"),
    "chile": ("chili", "m"), "colombia": ("colombie", "f"), "australia": ("australie", "f"),
}
CAPITALS = dict(zip(COUNTRIES, ("paris berlin rome madrid lisbonne vienne varsovie stockholm oslo athènes moscou "
                                "dublin tokyo pékin bangkok hanoï ankara nairobi rabat accra ottawa brasilia lima "
                                "santiago bogota canberra").split(), strict=True))
CONTINENTS = {"europe": "europe", "asia": "asie", "africa": "afrique", "north america": "amérique du nord",
              "south america": "amérique du sud", "oceania": "océanie"}

NOUNS = {  # concept -> (singular, gender, plural)
    "dog": ("chien", "m", "chiens"), "cat": ("chat", "m", "chats"), "cow": ("vache", "f", "vaches"),
    "sheep": ("mouton", "m", "moutons"), "pig": ("cochon", "m", "cochons"), "horse": ("cheval", "m", "chevaux"),
    "duck": ("canard", "m", "canards"), "rooster": ("coq", "m", "coqs"), "lion": ("lion", "m", "lions"),
    "wolf": ("loup", "m", "loups"), "owl": ("hibou", "m", "hiboux"), "frog": ("grenouille", "f", "grenouilles"),
    "bee": ("abeille", "f", "abeilles"), "mouse": ("souris", "f", "souris"), "snake": ("serpent", "m", "serpents"),
    "fish": ("poisson", "m", "poissons"),
    "teacher": ("professeur", "m", ""), "doctor": ("médecin", "m", ""), "farmer": ("agriculteur", "m", ""),
    "chef": ("cuisinier", "m", ""), "baker": ("boulanger", "m", ""), "pilot": ("pilote", "m", ""),
    "mechanic": ("mécanicien", "m", ""), "librarian": ("bibliothécaire", "m", ""), "waiter": ("serveur", "m", ""),
    "judge": ("juge", "m", ""),
    "school": ("école", "f", ""), "hospital": ("hôpital", "m", ""), "clinic": ("clinique", "f", ""),
    "farm": ("ferme", "f", ""), "restaurant": ("restaurant", "m", ""), "hotel": ("hôtel", "m", ""),
    "bakery": ("boulangerie", "f", ""), "airport": ("aéroport", "m", ""), "garage": ("garage", "m", ""),
    "library": ("bibliothèque", "f", ""), "cafe": ("café", "m", ""), "court": ("tribunal", "m", ""),
    "apple": ("pomme", "f", "pommes"), "car": ("voiture", "f", "voitures"), "house": ("maison", "f", "maisons"),
    "book": ("livre", "m", "livres"), "flower": ("fleur", "f", "fleurs"), "glass": ("verre", "m", "verres"),
    "room": ("chambre", "f", "chambres"), "chair": ("chaise", "f", "chaises"),
    "key": ("clé", "f", ""), "phone": ("téléphone", "m", ""), "bag": ("sac", "m", ""), "hat": ("chapeau", "m", ""),
    "ball": ("balle", "f", ""),
    "mammal": ("mammifère", "m", ""), "bird": ("oiseau", "m", ""), "reptile": ("reptile", "m", ""),
    "amphibian": ("amphibien", "m", ""), "insect": ("insecte", "m", ""),
}
FOODS = {  # concept -> (word, gender, plural?)
    "meat": ("viande", "f", False), "bones": ("os", "m", True), "fish": ("poisson", "m", False),
    "mice": ("souris", "f", True), "grass": ("herbe", "f", False), "hay": ("foin", "m", False),
    "corn": ("maïs", "m", False), "apples": ("pommes", "f", True), "bread": ("pain", "m", False),
    "seeds": ("graines", "f", True), "flies": ("mouches", "f", True), "insects": ("insectes", "m", True),
    "nectar": ("nectar", "m", False), "cheese": ("fromage", "m", False), "eggs": ("œufs", "m", True),
    "worms": ("vers", "m", True),
}
SOUNDS = {  # sound -> (he/she ..., they ..., past participle)
    "bark": ("aboie", "aboient", "aboyé"), "growl": ("grogne", "grognent", "grogné"),
    "howl": ("hurle", "hurlent", "hurlé"), "meow": ("miaule", "miaulent", "miaulé"),
    "purr": ("ronronne", "ronronnent", "ronronné"), "hiss": ("siffle", "sifflent", "sifflé"),
    "moo": ("meugle", "meuglent", "meuglé"), "bleat": ("bêle", "bêlent", "bêlé"),
    "oink": ("grogne", "grognent", "grogné"), "neigh": ("hennit", "hennissent", "henni"),
    "quack": ("cancane", "cancanent", "cancané"), "crow": ("chante", "chantent", "chanté"),
    "roar": ("rugit", "rugissent", "rugi"), "hoot": ("hulule", "hululent", "hululé"),
    "croak": ("coasse", "coassent", "coassé"), "buzz": ("bourdonne", "bourdonnent", "bourdonné"),
    "squeak": ("couine", "couinent", "couiné"),
}
ADJECTIVES = {  # concept -> (masculine, feminine); the plural adds -s
    "red": ("rouge", "rouge"), "green": ("vert", "verte"), "sweet": ("sucré", "sucrée"),
    "fast": ("rapide", "rapide"), "new": ("neuf", "neuve"), "big": ("énorme", "énorme"),
    "old": ("ancien", "ancienne"), "long": ("long", "longue"), "yellow": ("jaune", "jaune"),
    "pretty": ("magnifique", "magnifique"), "empty": ("vide", "vide"), "full": ("plein", "pleine"),
    "clean": ("propre", "propre"), "dark": ("sombre", "sombre"), "heavy": ("lourd", "lourde"),
    # feelings and states of people
    "upset": ("contrarié", "contrariée"), "angry": ("fâché", "fâchée"), "worried": ("inquiet", "inquiète"),
    "happy": ("content", "contente"), "glad": ("ravi", "ravie"), "tired": ("fatigué", "fatiguée"),
    "busy": ("occupé", "occupée"), "sick": ("malade", "malade"), "ready": ("prêt", "prête"),
    "late": ("en retard", "en retard"),
}
PERSONS = {"mary": "marie", "anna": "anne", "emma": "emma", "sophie": "sophie", "julia": "julie", "laura": "laura",
           "john": "jean", "peter": "pierre", "paul": "paul", "tom": "tom", "david": "david", "leo": "léo",
           "queen": "la reine", "king": "le roi", "mother": "ma mère", "father": "mon père"}
WORDS = {"fly": "voler", "swim": "nager", "run": "courir", "climb": "grimper", "jump": "sauter",
         "yesterday": "hier", "today": "aujourd'hui", "at night": "la nuit", "this morning": "ce matin"}
NUMBERS = number_words("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
                       "seize dix-sept dix-huit dix-neuf vingt")
VOWELS = tuple("aeiouéèêàâîïôûœh")
H_ASPIRE = {"hibou"}  # "le hibou", not "l' hibou"


def elides(word: str) -> bool:
    """Whether an article before ``word`` loses its vowel (``le`` / ``la`` -> ``l'``).

    >>> elides("abeille"), elides("hôpital"), elides("hibou"), elides("chien")
    (True, True, False, False)
    """
    return word.startswith(VOWELS) and word not in H_ASPIRE


def renderers(anchors: str = "none") -> dict[str, Callable[..., str]]:
    """French word forms by name. ``anchors="shared"`` writes countries, capitals and names in English spelling
    (the articles still follow French gender, and elision follows the written word)."""
    shared = anchors == "shared"

    def spelled(key: str) -> str:
        if key in COUNTRY_NAMES:
            return key if shared else COUNTRY_NAMES[key][0]
        return NOUNS[key][0]

    def gender(key: str) -> str:  # of a person, a country or a noun
        return GENDER.get(key) or (COUNTRY_NAMES[key][1] if key in COUNTRY_NAMES else NOUNS[key][1])

    def le(key: str, number: str = "singular") -> str:
        if not is_singular(number):
            return "les"
        return "l'" if elides(spelled(key)) else ("la" if gender(key) == "f" else "le")

    def de(key: str) -> str:
        article = le(key)
        return "du" if article == "le" else f"de {article}"

    def a(key: str) -> str:
        article = le(key)
        return "au" if article == "le" else f"à {article}"

    def partitive(food: str) -> str:
        word, food_gender, plural = FOODS[food]
        return "des" if plural else "de l'" if elides(word) else "de la" if food_gender == "f" else "du"

    def adjective(concept: str, key_or_person: str, number: str = "singular") -> str:
        masculine, feminine = ADJECTIVES[concept]
        form = feminine if gender(key_or_person) == "f" else masculine
        return form if is_singular(number) else form + "s"

    def person(key: str) -> str:
        return key if shared and key in NAMES else PERSONS[key]

    return {
        "name": spelled, "capital": lambda country: COUNTRIES[country].capital if shared else CAPITALS[country],
        "continent": lambda country: CONTINENTS[COUNTRIES[country].continent],
        "le": le, "de": de, "a": a, "en": lambda country: "en" if le(country) != "le" else "au",
        "un": lambda key: "une" if gender(key) == "f" else "un",
        "sg": lambda key: NOUNS[key][0], "pl": lambda key: NOUNS[key][2],
        "noun": lambda key, number: NOUNS[key][0] if is_singular(number) else NOUNS[key][2],
        "partitive": partitive, "food": lambda food: FOODS[food][0],
        "past": lambda sound: SOUNDS[sound][2],
        "verb": lambda sound, number: SOUNDS[sound][0] if number == "singular" else SOUNDS[sound][1],
        "be": lambda number: "est" if number == "singular" else "sont",
        "adj": adjective, "attr": adjective, "agree": adjective,
        "son": lambda item: "sa" if gender(item) == "f" else "son",
        "who": person, "il": lambda key: "elle" if gender(key) == "f" else "il",
        "num": lambda n: NUMBERS[n], "sum": lambda first, second: NUMBERS[first + second],
        "count": lambda count, pet: ("une" if gender(pet) == "f" else "un") if count == 1 else NUMBERS[count],
        "word": lambda concept: WORDS[concept],
    }


PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {  # frame -> (pattern, probe slots)
    "capital_of": ("{capital(country)} est la capitale {de(country)} {name(country)} .",
                   ("capital(country)", "name(country)")),
    "capital_is": ("la capitale {de(country)} {name(country)} est {capital(country)} .", ("capital(country)",)),
    "city_in": ("{capital(country)} est une ville {en(country)} {name(country)} .", ("name(country)",)),
    "continent": ("{le(country)} {name(country)} est en {continent(country)} .", ("name(country)",)),
    "sound_when": ("{word(when)} {le(animal)} {sg(animal)} a {past(sound)} .", ("past(sound)", "sg(animal)")),
    "eat": ("les {pl(animal)} mangent {partitive(food)} {food(food)} .", ("food(food)", "pl(animal)")),
    "works_at": ("{le(profession)} {sg(profession)} travaille {a(workplace)} {sg(workplace)} .",
                 ("sg(workplace)", "sg(profession)")),
    "animal_number": ("{le(animal, number)} {noun(animal, number)} {verb(sound, number)} .",
                      ("verb(sound, number)",)),
    "thing_number": ("{le(thing, number)} {noun(thing, number)} {be(number)} {adj(adjective, thing, number)} .",
                     ("be(number)", "adj(adjective, thing, number)")),
    "have_thing": ("j' ai {un(thing)} {sg(thing)} {attr(adjective, thing)} .", ("un(thing)", "attr(adjective, thing)")),
    "lost": ("{who(person)} a perdu {son(item)} {sg(item)} . {il(person)} était {agree(feeling, person)} .",
             ("il(person)", "son(item)")),
    "found": ("{who(person)} a retrouvé {son(item)} {sg(item)} . {il(person)} était {agree(feeling, person)} .",
              ("il(person)", "son(item)")),
    "said": ("{who(person)} a dit qu' {il(person)} était {agree(state, person)} .", ("il(person)",)),
    "plus": ("{num(first)} plus {num(second)} font {sum(first, second)} .", ("sum(first, second)", "num(second)")),
    "have": ("j' ai {count(count, pet)} {noun(pet, count)} .", ("count(count, pet)", "noun(pet, count)")),
    "is_a": ("{un(animal)} {sg(animal)} est un {sg(kind)} .", ("sg(kind)",)),
    "is_not_a": ("{un(animal)} {sg(animal)} n' est pas un {sg(kind)} .", ("sg(kind)",)),
    "can": ("{un(animal)} {sg(animal)} peut {word(ability)} .", ("sg(animal)", "word(ability)")),
    "can_not": ("{un(animal)} {sg(animal)} ne peut pas {word(ability)} .", ("sg(animal)", "word(ability)")),
}


def form_swaps() -> dict[str, str]:
    """Word -> the same word with another gender or number: the bad half of an agreement minimal pair.

    >>> swaps = form_swaps()
    >>> swaps["verte"], swaps["aboient"], swaps["une"], swaps["sont"]
    ('vert', 'aboie', 'un', 'est')
    """
    swaps = {"le": "la", "la": "le", "un": "une", "une": "un", "est": "sont", "sont": "est"}
    for singular, plural, _ in SOUNDS.values():
        swaps[singular], swaps[plural] = plural, singular
    for masculine, feminine in ADJECTIVES.values():
        if masculine != feminine:
            swaps[masculine], swaps[feminine] = feminine, masculine
            swaps[masculine + "s"], swaps[feminine + "s"] = feminine + "s", masculine + "s"
    return swaps
