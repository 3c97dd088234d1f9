"""Russian for the multilingual toy world: another script, cases, gender in the past tense, numeral agreement.

Teaches: what a model must learn when nothing is spelled like English. Russian is written in Cyrillic, so with
``anchors="none"`` it shares no word with the other languages. It has no articles and no "is" in the present
("париж — столица франции .": Paris — capital of-France). Nouns change with their role: "франция" (France) but
"столица франции" (capital of France), "в германии" (in Germany), "едят траву" (eat grass). The past tense agrees with
the subject's gender ("собака лаяла", the dog barked, feminine; "кот мяукал", the cat meowed, masculine), and so do
adjectives ("красное яблоко", "красная машина", "красный дом"). After a number the noun takes a case that depends on
the number: "один кот", "два кота", "пять котов" (one cat, two cats, five cats); "два" is "две" before a feminine noun.
Simplifies: only the cases these frames need (nominative, genitive, accusative, prepositional); short-form
adjectives for feelings; colloquial "едят" for animals.
Mirrors: the morphological agreement phenomena of Russian probing suites (e.g. RuBLiMP), in miniature.
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.corpora.languages.concepts import COUNTRIES, GENDER, NAMES, is_singular, number_words

CODE = "ru"
NAME = "Russian"

_COUNTRY_FORMS = (  # nominative genitive prepositional, in the order of concepts.COUNTRIES
    "франция франции франции; германия германии германии; италия италии италии; испания испании испании; "
    "португалия португалии португалии; австрия австрии австрии; польша польши польше; швеция швеции швеции; "
    "норвегия норвегии норвегии; греция греции греции; россия россии россии; ирландия ирландии ирландии; "
    "япония японии японии; китай китая китае; таиланд таиланда таиланде; вьетнам вьетнама вьетнаме; "
    "турция турции турции; кения кении кении; марокко марокко марокко; гана ганы гане; канада канады канаде; "
    "бразилия бразилии бразилии; перу перу перу; чили чили чили; колумбия колумбии колумбии; "
    "австралия австралии австралии")
COUNTRY_FORMS = dict(zip(COUNTRIES, (tuple(forms.split()) for forms in _COUNTRY_FORMS.split("; ")), strict=True))
CAPITALS = dict(zip(COUNTRIES, ("париж берлин рим мадрид лиссабон вена варшава стокгольм осло афины москва дублин "
                                "токио пекин бангкок ханой анкара найроби рабат аккра оттава бразилиа лима сантьяго "
                                "богота канберра").split(), strict=True))
CONTINENTS = {"europe": "в европе", "asia": "в азии", "africa": "в африке", "north america": "в северной америке",
              "south america": "в южной америке", "oceania": "в океании"}

NOUNS = {  # concept -> (singular, gender, plural)
    "dog": ("собака", "f", "собаки"), "cat": ("кот", "m", "коты"), "cow": ("корова", "f", "коровы"),
    "sheep": ("овца", "f", "овцы"), "pig": ("свинья", "f", "свиньи"), "horse": ("конь", "m", "кони"),
    "duck": ("утка", "f", "утки"), "rooster": ("петух", "m", "петухи"), "lion": ("лев", "m", "львы"),
    "wolf": ("волк", "m", "волки"), "owl": ("сова", "f", "совы"), "frog": ("лягушка", "f", "лягушки"),
    "bee": ("пчела", "f", "пчёлы"), "mouse": ("мышь", "f", "мыши"), "snake": ("змея", "f", "змеи"),
    "fish": ("рыба", "f", "рыбы"),
    "teacher": ("учитель", "m", ""), "doctor": ("врач", "m", ""), "farmer": ("фермер", "m", ""),
    "chef": ("повар", "m", ""), "baker": ("пекарь", "m", ""), "pilot": ("пилот", "m", ""),
    "mechanic": ("механик", "m", ""), "librarian": ("библиотекарь", "m", ""), "waiter": ("официант", "m", ""),
    "judge": ("судья", "m", ""),
    "apple": ("яблоко", "n", "яблоки"), "car": ("машина", "f", "машины"), "house": ("дом", "m", "дома"),
    "book": ("книга", "f", "книги"), "flower": ("цветок", "m", "цветы"), "glass": ("стакан", "m", "стаканы"),
    "room": ("комната", "f", "комнаты"), "chair": ("стул", "m", "стулья"),
    # things lost and found, in the accusative (a feminine noun changes: сумка -> сумку)
    "key": ("ключ", "m", ""), "phone": ("телефон", "m", ""), "bag": ("сумку", "f", ""), "hat": ("шляпу", "f", ""),
    "ball": ("мяч", "m", ""),
}
LOST_BOOK = "книгу"  # "book" is a thing (книга) and, lost or found, an accusative item (книгу)
PET_CASES = {  # after one: nominative singular; after 2-4: genitive singular; after 5: genitive plural
    "cat": ("кота", "котов"), "dog": ("собаки", "собак"), "fish": ("рыбы", "рыб"), "mouse": ("мыши", "мышей"),
    "horse": ("коня", "коней"), "duck": ("утки", "уток"),
}
KINDS = {"mammal": "млекопитающее", "bird": "птица", "fish": "рыба", "reptile": "рептилия", "amphibian": "амфибия",
         "insect": "насекомое"}
WORKPLACES = {"school": "в школе", "hospital": "в больнице", "clinic": "в клинике", "farm": "на ферме",
              "restaurant": "в ресторане", "hotel": "в гостинице", "bakery": "в пекарне", "airport": "в аэропорту",
              "garage": "в гараже", "library": "в библиотеке", "cafe": "в кафе", "court": "в суде"}
FOODS = dict(zip(("meat", "bones", "fish", "mice", "grass", "hay", "corn", "apples", "bread", "seeds", "flies",
                  "insects", "nectar", "cheese", "eggs", "worms"),
                 "мясо кости рыбу мышей траву сено кукурузу яблоки хлеб семена мух насекомых нектар сыр яйца "
                 "червей".split(), strict=True))  # accusative: what they eat
SOUNDS = {  # sound -> (it ..., they ..., past stem: + л masculine, + ла feminine)
    "bark": ("лает", "лают", "лая"), "growl": ("рычит", "рычат", "рыча"), "howl": ("воет", "воют", "вы"),
    "meow": ("мяукает", "мяукают", "мяука"), "purr": ("мурлычет", "мурлычут", "мурлыка"),
    "hiss": ("шипит", "шипят", "шипе"), "moo": ("мычит", "мычат", "мыча"), "bleat": ("блеет", "блеют", "блея"),
    "oink": ("хрюкает", "хрюкают", "хрюка"), "neigh": ("ржёт", "ржут", "ржа"),
    "quack": ("крякает", "крякают", "кряка"), "crow": ("кукарекает", "кукарекают", "кукарека"),
    "roar": ("ревёт", "ревут", "реве"), "hoot": ("ухает", "ухают", "уха"), "croak": ("квакает", "квакают", "квака"),
    "buzz": ("жужжит", "жужжат", "жужжа"), "squeak": ("пищит", "пищат", "пища"),
}
_ADJECTIVE_FORMS = (  # masculine feminine neuter plural
    "red красный красная красное красные; green зелёный зелёная зелёное зелёные; "
    "sweet сладкий сладкая сладкое сладкие; fast быстрый быстрая быстрое быстрые; new новый новая новое новые; "
    "big большой большая большое большие; old старый старая старое старые; long длинный длинная длинное длинные; "
    "yellow жёлтый жёлтая жёлтое жёлтые; pretty красивый красивая красивое красивые; "
    "empty пустой пустая пустое пустые; full полный полная полное полные; clean чистый чистая чистое чистые; "
    "dark тёмный тёмная тёмное тёмные; heavy тяжёлый тяжёлая тяжёлое тяжёлые")
ADJECTIVES = {row.split()[0]: tuple(row.split()[1:]) for row in _ADJECTIVE_FORMS.split("; ")}
FORM_INDEX = {"m": 0, "f": 1, "n": 2}
PREDICATES = {  # feeling or state -> (he ..., she ...)
    "upset": ("был расстроен", "была расстроена"), "angry": ("был сердит", "была сердита"),
    "worried": ("был обеспокоен", "была обеспокоена"), "happy": ("был счастлив", "была счастлива"),
    "glad": ("был рад", "была рада"), "tired": ("устал", "устала"), "busy": ("был занят", "была занята"),
    "sick": ("был болен", "была больна"), "ready": ("был готов", "была готова"), "late": ("опоздал", "опоздала"),
}
PAST = {"lost": ("потерял", "потеряла"), "found": ("нашёл", "нашла"), "said": ("сказал", "сказала")}
PERSONS = {"mary": "мария", "anna": "анна", "emma": "эмма", "sophie": "софия", "julia": "юлия", "laura": "лаура",
           "john": "иван", "peter": "пётр", "paul": "павел", "tom": "том", "david": "давид", "leo": "олег",
           "queen": "королева", "king": "король", "mother": "мама", "father": "папа"}
WORDS = {"fly": "летать", "swim": "плавать", "run": "бегать", "climb": "лазать", "jump": "прыгать",
         "yesterday": "вчера", "today": "сегодня", "at night": "ночью", "this morning": "утром"}
NUMBERS = number_words("ноль один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать "
                       "тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать двадцать")
VOWELS = "аеёиоуыэюя"


def preposition_in(word: str) -> str:
    """"в" (in), or "во" before в/ф and a consonant, where "в" alone would be hard to say.

    >>> preposition_in("германии"), preposition_in("франции"), preposition_in("вьетнаме")
    ('в', 'во', 'во')
    """
    return "во" if len(word) > 1 and word[0] in "вф" and word[1] not in VOWELS else "в"


def count_words(count: int, gender: str) -> str:
    """A number before a noun: "один" / "одна" / "одно" and "два" / "две" agree with its gender.

    >>> count_words(1, "f"), count_words(2, "f"), count_words(2, "m"), count_words(5, "f")
    ('одна', 'две', 'два', 'пять')
    """
    if count == 1:
        return {"m": "один", "f": "одна", "n": "одно"}[gender]
    if count == 2:
        return "две" if gender == "f" else "два"
    return NUMBERS[count]


def pet_form(pet: str, count: int) -> str:
    """The noun after a number: nominative singular after 1, genitive singular after 2-4, genitive plural after 5+.

    >>> pet_form("cat", 1), pet_form("cat", 3), pet_form("cat", 5), pet_form("mouse", 2)
    ('кот', 'кота', 'котов', 'мыши')
    """
    if count == 1:
        return NOUNS[pet][0]
    return PET_CASES[pet][0] if count in (2, 3, 4) else PET_CASES[pet][1]


def renderers(anchors: str = "none") -> dict[str, Callable[..., str]]:
    """Russian word forms by name. ``anchors="shared"`` writes countries, capitals and names in the English
    (Latin) spelling, undeclined, as Russian treats foreign names it does not adapt."""
    shared = anchors == "shared"

    def country(key: str, case: int) -> str:
        return key if shared else COUNTRY_FORMS[key][case]

    def gender(key: str) -> str:
        return GENDER.get(key) or NOUNS[key][1]

    def item(key: str) -> str:
        return LOST_BOOK if key == "book" else NOUNS[key][0]

    def adjective(concept: str, thing: str, number: str = "singular") -> str:
        forms = ADJECTIVES[concept]
        return forms[FORM_INDEX[gender(thing)]] if is_singular(number) else forms[3]

    def person(key: str) -> str:
        return key if shared and key in NAMES else PERSONS[key]

    def past_of(verb: str) -> Callable[[str], str]:
        return lambda key: PAST[verb][gender(key) == "f"]

    return {
        "nom": lambda key: country(key, 0), "gen": lambda key: country(key, 1),
        "in": lambda key: f"{preposition_in(country(key, 2))} {country(key, 2)}",
        "capital": lambda key: COUNTRIES[key].capital if shared else CAPITALS[key],
        "continent": lambda key: CONTINENTS[COUNTRIES[key].continent],
        "sg": lambda key: NOUNS[key][0], "pl": lambda key: NOUNS[key][2],
        "noun": lambda key, number: NOUNS[key][0] if is_singular(number) else NOUNS[key][2],
        "kind": lambda kind: KINDS[kind], "at": lambda workplace: WORKPLACES[workplace],
        "food": lambda food: FOODS[food],
        "past": lambda sound, animal: SOUNDS[sound][2] + ("ла" if gender(animal) == "f" else "л"),
        "verb": lambda sound, number: SOUNDS[sound][0] if number == "singular" else SOUNDS[sound][1],
        "adj": adjective, "attr": adjective,
        "who": person, "on": lambda key: "она" if gender(key) == "f" else "он",
        "lost": past_of("lost"), "found": past_of("found"), "said": past_of("said"),
        "svoy": lambda key: "свою" if gender(key) == "f" else "свой", "item": item,
        "agree": lambda concept, key: PREDICATES[concept][gender(key) == "f"],
        "num": lambda n: NUMBERS[n], "sum": lambda first, second: NUMBERS[first + second],
        "count": lambda count, pet: count_words(count, gender(pet)), "pet": pet_form,
        "word": lambda concept: WORDS[concept],
    }


PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {  # frame -> (pattern, probe slots)
    "capital_of": ("{capital(country)} — столица {gen(country)} .", ("capital(country)", "gen(country)")),
    "capital_is": ("столица {gen(country)} — {capital(country)} .", ("capital(country)",)),
    "city_in": ("{capital(country)} — город {in(country)} .", ("in(country)",)),
    "continent": ("{nom(country)} находится {continent(country)} .", ("nom(country)",)),
    "sound_when": ("{word(when)} {sg(animal)} {past(sound, animal)} .", ("past(sound, animal)", "sg(animal)")),
    "eat": ("{pl(animal)} едят {food(food)} .", ("food(food)", "pl(animal)")),
    "works_at": ("{sg(profession)} работает {at(workplace)} .", ("at(workplace)", "sg(profession)")),
    "animal_number": ("{noun(animal, number)} {verb(sound, number)} .", ("verb(sound, number)",)),
    "thing_number": ("{noun(thing, number)} {adj(adjective, thing, number)} .", ("adj(adjective, thing, number)",)),
    "have_thing": ("у меня есть {attr(adjective, thing)} {sg(thing)} .", ("attr(adjective, thing)", "sg(thing)")),
    "lost": ("{who(person)} {lost(person)} {svoy(item)} {item(item)} . {on(person)} {agree(feeling, person)} .",
             ("on(person)", "lost(person)", "svoy(item)")),
    "found": ("{who(person)} {found(person)} {svoy(item)} {item(item)} . {on(person)} {agree(feeling, person)} .",
              ("on(person)", "found(person)")),
    "said": ("{who(person)} {said(person)} , что {on(person)} {agree(state, person)} .", ("on(person)", "said(person)")),
    "plus": ("{num(first)} плюс {num(second)} равно {sum(first, second)} .", ("sum(first, second)", "num(second)")),
    "have": ("у меня {count(count, pet)} {pet(pet, count)} .", ("count(count, pet)", "pet(pet, count)")),
    "is_a": ("{sg(animal)} — {kind(kind)} .", ("kind(kind)",)),
    "is_not_a": ("{sg(animal)} не {kind(kind)} .", ("kind(kind)",)),
    "can": ("{sg(animal)} умеет {word(ability)} .", ("sg(animal)", "word(ability)")),
    "can_not": ("{sg(animal)} не умеет {word(ability)} .", ("sg(animal)", "word(ability)")),
}


def form_swaps() -> dict[str, str]:
    """Word -> the same word with another gender or number: the bad half of an agreement minimal pair.

    >>> swaps = form_swaps()
    >>> swaps["лает"], swaps["красное"], swaps["красные"], swaps["одна"]
    ('лают', 'красный', 'красное', 'один')
    """
    swaps = {"один": "одна", "одна": "один", "одно": "один", "два": "две", "две": "два"}
    for singular, plural, _ in SOUNDS.values():
        swaps[singular], swaps[plural] = plural, singular
    for masculine, feminine, neuter, plural in ADJECTIVES.values():
        swaps.update({masculine: feminine, feminine: masculine, neuter: masculine, plural: neuter})
    return swaps
