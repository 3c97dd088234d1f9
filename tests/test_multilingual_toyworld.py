"""The multilingual toy world: each language's generator against its exact posterior, held-out facts, anchors."""

from __future__ import annotations

import doctest
import math
from collections import Counter, defaultdict

import pytest

from mlmcourse.corpora import languages, multilingual
from mlmcourse.corpora.languages import concepts, de, en, fr, ru
from mlmcourse.corpora.languages.concepts import COUNTRIES, FRAMES
from mlmcourse.corpora.multilingual import LanguageWorld, MultilingualToyWorld, held_out_countries

N_LINES = 100_000
HELD_OUT = ["germany", "japan", "peru", "kenya"]


@pytest.fixture(scope="module")
def world() -> MultilingualToyWorld:
    return MultilingualToyWorld()


@pytest.fixture(scope="module")
def lines_by_length(world) -> dict[str, dict[int, list[tuple[str, ...]]]]:
    groups: dict[str, dict[int, list]] = {}
    for language, lines in world.generate_by_language(dict.fromkeys(world.languages, N_LINES), seed=123, progress=False).items():
        groups[language] = defaultdict(list)
        for line in lines:
            words = tuple(line.split())
            groups[language][len(words)].append(words)
    return groups


# ---- the languages -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "fr", "de", "ru"])
def test_every_language_writes_every_frame_with_its_tag(world, language):
    language_world = world.world(language)
    assert [t.name for t in language_world.templates] == [frame.name for frame in FRAMES]
    assert language_world.phenomena == list(concepts.PHENOMENA)
    vocabulary = language_world.vocabulary
    assert 250 <= len(vocabulary) <= 600 and f"<{language}>" in vocabulary and "." in vocabulary
    for word in vocabulary:
        assert word == word.lower() and word and " " not in word, word
    lines = language_world.generate(200, seed=0)
    assert all(line.startswith(f"<{language}> ") and line.endswith(" .") for line in lines)
    assert all(world.language_of(line) == language for line in lines)


def test_the_scripts_differ_and_russian_is_cyrillic(world):
    russian = set(world.world("ru").vocabulary) - {".", ",", "—", "<ru>"}
    assert all(any("а" <= char <= "я" or char == "ё" for char in word) for word in russian)
    assert set(world.world("en").vocabulary) & russian == set()


def test_the_same_frame_is_written_in_every_language():
    # the same latent assignment through four grammars: a parallel corpus
    assignment = {"country": "germany"}
    written = {}
    for language in ("en", "fr", "de", "ru"):
        template = next(t for t in languages.language_templates(language) if t.name == "capital_of")
        written[language] = " ".join(template.render(assignment)[0])
    assert written == {"en": "<en> berlin is the capital of germany .",
                       "fr": "<fr> berlin est la capitale de l' allemagne .",
                       "de": "<de> berlin ist die hauptstadt von deutschland .",
                       "ru": "<ru> берлин — столица германии ."}


@pytest.mark.parametrize("sentence, index, expected", [
    ("<fr> la capitale du [MASK] est tokyo .", 4, {"japon": 1.0}),
    ("<de> gestern bellte der [MASK] .", 4, {"hund": 1.0}),  # verb-second: the verb before its subject
    ("<ru> у меня [MASK] котов .", 3, {"пять": 1.0}),  # five takes the genitive plural
    ("<ru> вчера [MASK] лаяла .", 2, {"собака": 1.0}),  # a feminine past tense: the dog, not a masculine animal
    ("<fr> marie a dit qu' [MASK] était fatiguée .", 5, {"elle": 1.0}),
    ("<de> maria sagte , dass [MASK] müde war .", 5, {"sie": 1.0}),
])
def test_morphology_decides_the_exact_posterior(world, sentence, index, expected):
    assert world.posterior(sentence, index) == pytest.approx(expected)


def test_french_possessive_agrees_with_the_thing_not_the_owner(world):
    # "sa clé": the owner could be anyone; only the pronoun or adjective tells
    posterior = world.posterior("<fr> [MASK] a perdu sa clé . il était inquiet .", 1)
    assert set(posterior) == {"jean", "pierre", "paul", "tom", "david", "léo"}  # only the men: "il", not "sa"
    assert world.posterior("<fr> paul a perdu sa clé . [MASK] était _ .", 7, hidden=[9]) == {"il": 1.0}


# ---- the key check: each language's exact posterior matches its generator's frequencies ------------------------
MONTE_CARLO_CONTEXTS = {  # [M]: the predicted word; _: unknown words (marginalised)
    "en": ["[M] is in europe .", "the capital of [M] is _ .", "_ the [M] _ .", "_ the dog [M] .",
           "cats eat [M] .", "the [M] works at a restaurant .", "the dog [M] .", "the _ [M] red .", "i have [M] _ _ .",
           "[M] lost his _ . he was _ .", "_ said that [M] was _ .", "i have [M] cats .", "_ plus _ is [M] .",
           "a [M] can not fly .", "a _ is not a [M] ."],
    "fr": ["la capitale de la [M] est _ .", "_ est une ville en [M] .", "_ le chien a [M] .",
           "les chats mangent _ [M] .", "le [M] travaille au restaurant .", "la _ est [M] .", "_ _ [M] _ .",
           "j' ai une _ [M] .", "_ a perdu sa _ . [M] était _ .", "j' ai [M] chats .", "_ plus _ font [M] .",
           "un [M] ne peut pas voler .", "un _ n' est pas un [M] ."],
    "de": ["[M] liegt in europa .", "die hauptstadt von [M] ist _ .", "_ knurrte der [M] .", "gestern [M] der hund .",
           "der [M] arbeitet im restaurant .", "ich habe [M] _ _ .", "die _ [M] _ .", "_ sagte , dass [M] _ war .",
           "ich habe [M] katzen .", "_ plus _ ist [M] .", "ein [M] kann nicht fliegen .", "ein _ ist kein [M] ."],
    "ru": ["[M] находится в европе .", "столица [M] — _ .", "_ [M] _ .", "_ собака [M] .",
           "[M] работает в ресторане .", "_ [M] .", "у меня есть [M] _ .", "_ [M] свою _ . она была _ .",
           "у меня [M] кота .", "_ плюс _ равно [M] .", "[M] не умеет летать .", "_ не [M] ."],
}


@pytest.mark.parametrize("language", list(MONTE_CARLO_CONTEXTS))
def test_posterior_matches_generator_frequencies(world, lines_by_length, language):
    phenomena = set()
    for context in MONTE_CARLO_CONTEXTS[language]:
        words = [f"<{language}>", *context.split()]
        index = words.index("[M]")
        hidden = [i for i, word in enumerate(words) if word == "_"]
        known = [(i, word) for i, word in enumerate(words) if word not in ("[M]", "_")]
        counts = Counter(line[index] for line in lines_by_length[language][len(words)]
                         if all(line[i] == word for i, word in known))
        total = sum(counts.values())
        assert total >= 300, f"{context!r} occurs only {total} times: too rare to test"
        posterior = world.posterior(words, index, hidden)
        assert sum(posterior.values()) == pytest.approx(1.0)
        for word in set(posterior) | set(counts):
            p = posterior.get(word, 0.0)
            assert p > 0 or counts[word] == 0, f"{context}: generator wrote {word!r}, posterior says impossible"
            sigma = math.sqrt(total * p * (1 - p))
            assert abs(counts[word] - total * p) <= 4 * sigma + 1e-9, (context, word, counts[word], total * p)
        line = next(line for line in lines_by_length[language][len(words)] if all(line[i] == w for i, w in known))
        phenomena.add(next(t.phenomenon for t in world.world(language).templates
                           if any(True for _ in t.enumerate(list(line)))))
    assert phenomena == set(concepts.PHENOMENA), f"{language}: contexts cover only {sorted(phenomena)}"


@pytest.mark.parametrize("language", ["en", "fr", "de", "ru"])
def test_probes_floor_and_minimal_pairs_per_language(world, language):
    language_world = world.world(language)
    for phenomenon in language_world.phenomena:
        probes = world.probes(language, phenomenon, 30, seed=1)
        assert len(probes) == 30 and all(p.words[0] == f"<{language}>" and p.index > 0 for p in probes)
        assert all(p.posterior == language_world.posterior(p.words, p.index) and p.posterior[p.answer] > 0
                   for p in probes)
        assert 0 <= world.bayes_floor(probes) < math.log(len(language_world.vocabulary))
        pairs = language_world.minimal_pairs(phenomenon, 10, seed=2)
        assert len(set(pairs)) == 10
        for good, bad in pairs:
            assert sum(a != b for a, b in zip(good.split(), bad.split(), strict=True)) == 1
            assert language_world.log_prob(good) > language_world.log_prob(bad) == -math.inf


@pytest.mark.parametrize("language, good, bad", [
    ("fr", "<fr> la pomme est verte .", "<fr> la pomme est vert ."),
    ("de", "<de> ich habe einen roten apfel .", "<de> ich habe einen rote apfel ."),
    ("ru", "<ru> яблоко красное .", "<ru> яблоко красный ."),
])
def test_agreement_pairs_change_only_a_form(world, language, good, bad):
    swaps = languages.GRAMMARS[language].form_swaps()
    changed = [(a, b) for a, b in zip(good.split(), bad.split(), strict=True) if a != b]
    assert len(changed) == 1 and swaps[changed[0][0]] == changed[0][1]
    assert world.log_prob(good) > -math.inf == world.log_prob(bad)
    for pair in world.world(language).minimal_pairs("agreement", 20, seed=0):
        (old, new), = [(a, b) for a, b in zip(pair[0].split(), pair[1].split(), strict=True) if a != b]
        assert swaps.get(old) == new or old not in swaps


# ---- the held-out knob ---------------------------------------------------------------------------------------------
def test_held_out_capitals_never_appear_in_that_language():
    world = MultilingualToyWorld(("en", "ru"), held_out={"ru": HELD_OUT})
    lines = world.generate_by_language({"en": 40_000, "ru": 40_000}, seed=5)
    russian = Counter(word for line in lines["ru"] for word in line.split())
    english = Counter(word for line in lines["en"] for word in line.split())
    for country in HELD_OUT:
        assert russian[ru.CAPITALS[country]] == 0  # the capital is never named in Russian ...
        assert russian[ru.COUNTRY_FORMS[country][0]] > 0  # ... though the country still is ("... находится в ...")
        assert english[COUNTRIES[country].capital] > 50  # and English states the fact
    # a seen fact keeps its frequency relative to every other line (the capital frames' weights are scaled)
    full = MultilingualToyWorld(("en", "ru")).world("ru")
    fact, other = "<ru> париж — столица франции .", "<ru> вчера собака лаяла ."
    assert world.log_prob(fact) - world.log_prob(other) == pytest.approx(full.log_prob(fact) - full.log_prob(other))
    assert world.log_prob("<ru> берлин — столица германии .") == -math.inf < full.log_prob("<ru> берлин — столица германии .")


def test_held_out_probes_ask_for_unseen_facts_with_the_full_posterior():
    world = MultilingualToyWorld(("en", "ru"), held_out={"ru": HELD_OUT})
    probes = world.held_out_probes("ru", 40, seed=0)
    spelled = {ru.CAPITALS[c] for c in HELD_OUT} | {form for c in HELD_OUT for form in ru.COUNTRY_FORMS[c]}
    for probe in probes:
        assert probe.answer in spelled and probe.posterior == {probe.answer: 1.0}
        assert world.log_prob(probe.words) == -math.inf  # never written in Russian
        assert world.full_world("ru").log_prob(probe.words) > -math.inf
    assert world.bayes_floor(probes) == 0.0
    seen = world.fact_probes("ru", ["france"], 5, seed=0)
    assert all(world.log_prob(p.words) > -math.inf for p in seen)
    with pytest.raises(ValueError, match="no facts are held out of 'en'"):
        world.held_out_probes("en", 3)


def test_holding_out_every_capital_drops_the_capital_frames():
    world = MultilingualToyWorld(("en", "fr"), held_out={"fr": list(COUNTRIES)})
    names = [t.name for t in world.world("fr").templates]
    assert "capital_of" not in names and "continent" in names and len(names) == len(FRAMES) - 3


# ---- the anchors knob -------------------------------------------------------------------------------------------------
def test_shared_anchors_spell_names_alike_in_every_language():
    native = MultilingualToyWorld(anchors="none")
    shared = MultilingualToyWorld(anchors="shared")
    assert native.shared_words("en", "ru") == []
    anchors = shared.shared_words("en", "ru")
    assert set(anchors) == set(COUNTRIES) | {c.capital for c in COUNTRIES.values()} | set(concepts.NAMES)
    assert shared.posterior("<ru> [MASK] — столица germany .", 1) == {"berlin": 1.0}
    assert shared.posterior("<fr> berlin est la capitale de la [MASK] .", 7) == {"germany": 1.0}
    # Latin-script languages share some native spellings too, as real languages do
    assert {"paris", "berlin"} <= set(native.shared_words("en", "fr"))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="does not speak 'xx'"):
        MultilingualToyWorld(("en", "xx"))
    with pytest.raises(ValueError, match="each language once"):
        MultilingualToyWorld(("en", "en"))
    with pytest.raises(ValueError, match="anchors='some'"):
        MultilingualToyWorld(anchors="some")
    with pytest.raises(ValueError, match="unknown countries \\['atlantis'\\]"):
        MultilingualToyWorld(held_out={"fr": ["atlantis"]})
    with pytest.raises(ValueError, match="not one of this world's languages"):
        MultilingualToyWorld(("en",), held_out={"fr": ["france"]})
    with pytest.raises(ValueError, match="does not start with a language tag"):
        MultilingualToyWorld().posterior("the [MASK] barked .", 1)
    assert MultilingualToyWorld("en, ru").languages == ["en", "ru"]
    assert held_out_countries(0.5, seed=1) == held_out_countries(0.5, seed=1) and len(held_out_countries(0.5)) == 13


def test_generate_mixes_languages_reproducibly(world):
    lines = world.generate(4_000, seed=3)
    assert lines == world.generate(4_000, seed=3) != world.generate(4_000, seed=4)
    assert Counter(world.language_of(line) for line in lines) == dict.fromkeys(world.languages, 1_000)
    # a language's lines do not depend on which other languages are in the world
    two = MultilingualToyWorld(("ru", "fr")).generate_by_language({"fr": 50}, seed=3)["fr"]
    assert two == world.generate_by_language({"fr": 50}, seed=3)["fr"]
    assert LanguageWorld("de").generate(3, seed=1) == world.world("de").generate(3, seed=1)


@pytest.mark.parametrize("module", [multilingual, languages, concepts, en, fr, de, ru])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_a_world_of_some_phenomena_writes_only_their_frames():
    world = MultilingualToyWorld(("en", "ru"), phenomena=("facts",), held_out={"ru": ["germany"]})
    assert world.world("ru").phenomena == ["facts"] and world.full_world("ru").phenomena == ["facts"]
    frames = {"capital_of", "capital_is", "city_in", "continent"}
    assert {t.name for t in world.world("en").templates} == frames
    assert all(len(line.split()) <= 9 for line in world.generate(500, seed=0))
    with pytest.raises(ValueError, match="unknown phenomena \\['grammar'\\]"):
        MultilingualToyWorld(("en",), phenomena=("grammar",))
