"""Tests for the toy world: its language, its generator, and that the exact posterior matches the generator."""

from __future__ import annotations

import doctest
import hashlib
import math
import subprocess
import sys
from collections import Counter, defaultdict

import pytest

from mlmcourse.corpora import toyworld, toyworld_grammar, toyworld_words
from mlmcourse.corpora.toyworld import Probe, ToyWorld
from mlmcourse.corpora.toyworld_grammar import Given, Template, parse_pattern, uniform
from mlmcourse.corpora.toyworld_tables import COUNTRIES, VERBS
from mlmcourse.corpora.toyworld_words import article, noun, number_word, pronoun, verb, yes_no

N_LINES = 200_000


@pytest.fixture(scope="module")
def world() -> ToyWorld:
    return ToyWorld()


@pytest.fixture(scope="module")
def corpus(world) -> list[str]:
    return world.generate(N_LINES, seed=123)


@pytest.fixture(scope="module")
def lines_by_length(corpus) -> dict[int, list[tuple[str, ...]]]:
    groups = defaultdict(list)
    for line in corpus:
        words = tuple(line.split())
        groups[len(words)].append(words)
    return groups


# ---- the language ------------------------------------------------------------------------------------------
def test_vocabulary_is_small_lowercase_single_words(world):
    vocabulary = world.vocabulary
    assert 300 <= len(vocabulary) <= 2000
    assert len(set(vocabulary)) == len(vocabulary) and vocabulary == sorted(vocabulary)
    assert "." in vocabulary
    for word in vocabulary:
        assert word == word.lower() and word.strip() == word and " " not in word and word


def test_phenomena_templates_and_facts(world):
    assert world.phenomena == ["facts", "animals", "professions", "agreement", "coreference", "counting",
                               "negation"]
    assert len(world.templates) >= 25
    assert {t.phenomenon for t in world.templates} == set(world.phenomena)
    assert len({t.name for t in world.templates}) == len(world.templates)
    assert len(COUNTRIES) >= 40
    assert len({c.capital for c in COUNTRIES.values()}) == len(COUNTRIES)
    for template in world.templates:
        assert template.weight > 0 and "{" in template.pattern and template.probe_slots


def test_probe_slots_write_words_a_model_must_predict(world):
    # every probe slot writes at least two different words somewhere, else probing it teaches nothing
    slot_words = world._inventory.slot_words
    for template in world.templates:
        for slot in template.probe_slots:
            assert len(slot_words[template.name, slot]) >= 2, (template.name, slot)


# ---- generate ---------------------------------------------------------------------------------------------------
def test_generate_is_reproducible_and_seed_dependent(world):
    first = world.generate(2000, seed=7)
    assert first == ToyWorld().generate(2000, seed=7)
    assert first != world.generate(2000, seed=8)
    assert len(first) == 2000 and world.generate(0, seed=1) == []
    assert ToyWorld(seed=7).generate(50) == world.generate(50, seed=7)  # the world's seed is the default


def test_generate_is_identical_in_another_process(world):
    code = ("import hashlib; from mlmcourse.corpora.toyworld import ToyWorld; "
            "print(hashlib.sha256('\\n'.join(ToyWorld().generate(3000, seed=5)).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == hashlib.sha256("\n".join(world.generate(3000, seed=5)).encode()).hexdigest()


def test_generated_lines_use_the_vocabulary_and_contain_the_seed_examples(world, corpus):
    vocabulary = set(world.vocabulary)
    words = Counter(word for line in corpus for word in line.split(" "))
    assert set(words) <= vocabulary
    assert all(line.endswith(" .") and line == line.strip() for line in corpus)
    lines = Counter(corpus)
    assert lines["the dog barked at me ."] >= 100
    assert lines["paris is the capital of france ."] >= 100
    mean_length = sum(words.values()) / len(corpus)
    assert 6 <= mean_length <= 12


def test_generated_template_shares_match_the_weights(world, corpus):
    # each phenomenon has lines that only its templates write, e.g. " plus " only in counting
    expected = sum(t.weight for t in world.templates if t.name == "plus") / sum(t.weight for t in world.templates)
    observed = sum(" plus " in line for line in corpus) / len(corpus)
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / len(corpus))


@pytest.mark.parametrize("bad", [-1, 2.5, "10", True])
def test_generate_rejects_bad_sizes_and_seeds(world, bad):
    with pytest.raises(ValueError, match="n_sentences must be a non-negative integer"):
        world.generate(bad, seed=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        world.generate(5, seed=bad)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        world.probes("facts", 2, seed=bad)


# ---- exact probabilities --------------------------------------------------------------------------------------
def test_log_prob_of_known_lines(world):
    total = sum(t.weight for t in world.templates)
    capital_of = next(t for t in world.templates if t.name == "capital_of")
    expected = capital_of.weight / total / len(COUNTRIES)
    assert math.exp(world.log_prob("paris is the capital of france .")) == pytest.approx(expected, rel=1e-12)
    assert world.log_prob("paris is the capital of spain .") == -math.inf
    assert world.log_prob("the dog barked at me .") > world.log_prob("the cat barked at me .")
    assert world.log_prob(["the", "Dog", "barked", "at", "me", "."]) == -math.inf


def test_posterior_of_the_seed_examples(world):
    barked = world.posterior("the [MASK] barked at me .", 1)
    assert max(barked, key=barked.get) == "dog" and barked["dog"] > 0.7
    assert set(barked) == {"dog", "puppy", "fox"}
    assert world.posterior("paris is the <mask> of france .", 3) == {"capital": 1.0}
    assert world.posterior("the capital of france is [MASK] .", 5) == {"paris": 1.0}
    speaks = world.posterior("people in switzerland speak [MASK] .", 4)
    assert speaks == pytest.approx({"german": 0.5, "french": 0.25, "italian": 0.25})


@pytest.mark.parametrize("sentence, index", [
    ("the dog barked at the farmer .", 1),
    ("people in kenya speak swahili .", 2),
    ("the dogs near the cat bark .", 5),
    ("mary lost her key . she was sad .", 0),
    ("i have two cats and one dog .", 2),
    ("a dog is not a bird .", 5),
])
def test_posterior_sums_to_one_and_agrees_with_log_prob(world, sentence, index):
    words = sentence.split()
    posterior = world.posterior(words, index)
    assert sum(posterior.values()) == pytest.approx(1.0, abs=1e-12)
    assert list(posterior.values()) == sorted(posterior.values(), reverse=True)
    joint = {w: math.exp(world.log_prob(words[:index] + [w] + words[index + 1:])) for w in world.vocabulary}
    normaliser = sum(joint.values())
    for word in world.vocabulary:
        assert posterior.get(word, 0.0) == pytest.approx(joint[word] / normaliser, abs=1e-12), word


def test_hidden_positions_are_marginalised(world, lines_by_length):
    # which verb, when the subject is unknown too: brute-force sum of P(line) over every subject and verb
    # the generator writes in 4-word lines (a superset of the posterior's support, checked below)
    words = "the dogs bark .".split()
    posterior = world.posterior(words, 2, hidden=[1])
    subjects = {line[1] for line in lines_by_length[4]}
    verbs = {line[2] for line in lines_by_length[4]}
    assert set(posterior) <= verbs
    brute = {word: sum(math.exp(world.log_prob(["the", subject, word, "."])) for subject in subjects)
             for word in verbs}
    normaliser = sum(brute.values())
    assert set(posterior) == {word for word, probability in brute.items() if probability > 0}
    for word, probability in posterior.items():
        assert probability == pytest.approx(brute[word] / normaliser, rel=1e-9)
    assert {"bark", "barks", "meow", "meows"} <= set(posterior)
    assert posterior != world.posterior(words, 2)  # knowing "dogs" changes the answer


def test_posterior_errors_speak_to_the_learner(world):
    with pytest.raises(ValueError, match="can never write.*not in the toy world's vocabulary.*'Dog'"):
        world.posterior("the Dog barked at [MASK] .", 4)
    with pytest.raises(ValueError, match="can never write 'the cat barked at _ .'"):
        world.posterior("the cat barked at [MASK] .", 4)
    with pytest.raises(ValueError, match="position 6 is outside the sentence of 6 words"):
        world.posterior("the dog barked at me .", 6)
    # A pasted paragraph: each stranger named once, at most eight of them, the sentence cut short.
    with pytest.raises(ValueError) as error:
        world.posterior(["[MASK]"] + ["<mask>", "Zebra"] * 50 + [f"w{i}" for i in range(20)], 0)
    message = str(error.value)
    assert "['<mask>', 'Zebra', 'w0', 'w1', 'w2', 'w3', 'w4', 'w5'] and 14 more" in message and len(message) < 500
    with pytest.raises(ValueError, match="outside"):
        world.posterior("the dog barked at me .", 1, hidden=[10])
    with pytest.raises(ValueError, match="list of words"):
        world.posterior([], 0)


# ---- the key check: the exact posterior matches the generator's frequencies ---------------------------------
MONTE_CARLO_CONTEXTS = {  # [M]: the predicted word; _: unknown words (marginalised, `hidden`)
    "facts": ["people in [M] speak spanish .", "[M] is in africa .", "people in _ speak [M] ."],
    "animals": ["the [M] barked at me .", "the dog [M] at me .", "[M] eat grass .", "a _ lives in a [M] ."],
    "professions": ["the [M] works at a clinic .", "a [M] uses a computer .", "the _ works at a [M] ."],
    "agreement": ["the dog [M] .", "the [M] bark .", "the [M] are _ .", "i saw [M] _ yesterday ."],
    "coreference": ["[M] lost his _ . he was _ .", "_ gave _ a _ . [M] thanked him ."],
    "counting": ["i have [M] cats and _ _ .", "_ plus _ is [M] .", "[M] minus _ is _ ."],
    "negation": ["a [M] can not fly .", "a [M] can fly .", "is a _ a bird ? [M] .", "a _ is not a [M] ."],
}


@pytest.mark.parametrize("phenomenon", list(MONTE_CARLO_CONTEXTS))
def test_posterior_matches_generator_frequencies(world, lines_by_length, phenomenon):
    for context in MONTE_CARLO_CONTEXTS[phenomenon]:
        words = context.split()
        index = words.index("[M]")
        hidden = [i for i, word in enumerate(words) if word == "_"]
        known = [(i, word) for i, word in enumerate(words) if word not in ("[M]", "_")]
        counts = Counter(line[index] for line in lines_by_length[len(words)]
                         if all(line[i] == word for i, word in known))
        total = sum(counts.values())
        assert total >= 300, f"{context!r} occurs only {total} times: too rare to test"
        posterior = world.posterior(words, index, hidden)
        assert len(posterior) >= 2 or phenomenon == "agreement"
        for word in set(posterior) | set(counts):
            p = posterior.get(word, 0.0)
            assert p > 0 or counts[word] == 0, f"{context}: generator wrote {word!r}, posterior says impossible"
            sigma = math.sqrt(total * p * (1 - p))
            assert abs(counts[word] - total * p) <= 4 * sigma + 1e-9, (context, word, counts[word], total * p)


# ---- probes, Bayes floor, minimal pairs ---------------------------------------------------------------------------
@pytest.mark.parametrize("phenomenon", ["facts", "animals", "professions", "agreement", "coreference", "counting",
                                        "negation"])
def test_probes_and_bayes_floor(world, phenomenon):
    probes = world.probes(phenomenon, 40, seed=1)
    assert len(probes) == 40
    assert [p.masked_text() for p in probes] == [p.masked_text() for p in world.probes(phenomenon, 40, seed=1)]
    for probe in probes:
        assert probe.phenomenon == phenomenon and probe.words[probe.index] == probe.answer
        assert probe.posterior == world.posterior(probe.words, probe.index)
        assert probe.posterior[probe.answer] > 0
        assert probe.masked_text().split()[probe.index] == "[MASK]"
    floor = world.bayes_floor(probes)
    assert floor == pytest.approx(sum(-math.log(p.posterior[p.answer]) for p in probes) / len(probes))
    assert 0 <= floor < math.log(len(world.vocabulary))


def test_bayes_floor_is_positive_where_the_language_is_uncertain(world):
    assert world.bayes_floor(world.probes("facts", 60, seed=0)) > 0.2
    with pytest.raises(ValueError, match="at least one probe"):
        world.bayes_floor([])
    with pytest.raises(ValueError, match="unknown phenomenon 'grammar'"):
        world.probes("grammar", 3)
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        world.minimal_pairs("facts", -1)


@pytest.mark.parametrize("phenomenon", ["facts", "animals", "professions", "agreement", "coreference", "counting",
                                        "negation"])
def test_minimal_pairs(world, phenomenon):
    pairs = world.minimal_pairs(phenomenon, 15, seed=3)
    assert len(pairs) == 15 and len(set(pairs)) == 15
    for good, bad in pairs:
        good_words, bad_words = good.split(), bad.split()
        assert len(good_words) == len(bad_words)
        assert sum(a != b for a, b in zip(good_words, bad_words, strict=True)) == 1
        assert world.log_prob(good) > world.log_prob(bad) == -math.inf


def test_agreement_pairs_flip_number_only(world):
    number_flips = [{lemma, forms[0]} for lemma, forms in VERBS.items()] + [{"a", "an"}, {"is", "are"}]
    for good, bad in world.minimal_pairs("agreement", 20, seed=0):
        changed = {a for a, b in zip(good.split(), bad.split(), strict=True) if a != b}
        changed |= {b for a, b in zip(good.split(), bad.split(), strict=True) if a != b}
        assert changed in number_flips, (good, bad)


# ---- grammar pieces and docstring examples ------------------------------------------------------------------------
def test_template_enumeration_is_exact_on_a_tiny_template():
    template = Template("demo", "counting", 1, "{word(first)} and {word(second)}",
                        {"first": {1: 3.0, 2: 1.0}, "second": Given(("first",), lambda f: uniform(range(f)))})
    outcomes = {" ".join(words): p for p, words, _ in template.enumerate()}
    assert outcomes == pytest.approx({"one and zero": 0.75, "two and zero": 0.125, "two and one": 0.125})
    assert [w for _, w, _ in template.enumerate(["two", "and", None])] == [("two", "and", "zero"),
                                                                         ("two", "and", "one")]
    assert template.possible_lengths() == {3}
    assert template.position_filters == [(0, {"one", "two"}), (1, {"and"}), (2, {"zero", "one"}),
                                         (-1, {"zero", "one"}), (-2, {"and"}), (-3, {"one", "two"})]
    assert template.could_write(["two", None, "one"]) and not template.could_write(["zero", None, None])


def test_template_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown renderer 'capitol'"):
        parse_pattern("{capitol(country)} .")
    with pytest.raises(ValueError, match="reads unknown latents"):
        Template("bad", "facts", 1, "{country} .", {})
    with pytest.raises(ValueError, match="needs earlier latents"):
        Template("bad", "facts", 1, "{language} .", {"language": Given(("country",), lambda c: {})})


def test_word_form_examples():
    assert (article("elephant"), article("dog"), article("university")) == ("an", "a", "a")
    assert (number_word(7), number_word(20)) == ("seven", "twenty")
    assert (noun("dog", "plural"), noun("mouse", 2), noun("sheep", "plural"), noun("cat", 1)) == \
        ("dogs", "mice", "sheep", "cat")
    assert (verb("bark", "singular"), verb("bark", "plural"), verb("buzz", "singular")) == ("barks", "bark", "buzzes")
    assert (pronoun("mary"), pronoun("the king")) == ("she", "he")
    assert (yes_no("penguin", "bird"), yes_no("bat", "bird")) == ("yes", "no")
    with pytest.raises(ValueError, match="0..20"):
        number_word(21)
    assert Probe(["the", "dog", "."], 1, "dog", {"dog": 1.0}, "animals").masked_text("<mask>") == "the <mask> ."


@pytest.mark.parametrize("module", [toyworld, toyworld_grammar, toyworld_words])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
