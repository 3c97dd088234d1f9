"""The labelled tasks: labels are right (checked against the toy world and the module names), classes are balanced,
splits do not leak (no sentence in two splits; pydocs modules in one split only), and everything is seeded."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

from mlmcourse.corpora import load_corpus
from mlmcourse.corpora.toyworld import ToyWorld
from mlmcourse.errors import CourseError
from mlmcourse.finetune.data import SPLITS, Examples, sample_examples
from mlmcourse.finetune.pydocs_topic import (
    TOPICS,
    adaptation_paragraphs,
    general_and_domain,
    module_paragraphs,
    near_copy_key,
    package_splits,
    pydocs_topic,
    topic_of,
)
from mlmcourse.finetune.tasks import (
    ENTITY_LABELS,
    TRUTH_LABELS,
    cached_task,
    label_counts,
    load_task,
    tagged_sentence,
    tagged_sentences,
    toyworld_entities,
    toyworld_truth,
)


@pytest.fixture(scope="module")
def truth():
    return toyworld_truth(pairs_per_phenomenon=60, seed=0)


def test_truth_labels_come_from_the_world(truth):
    world = ToyWorld()
    for name in SPLITS:
        split = truth.splits[name]
        for text, label in zip(split.texts, split.labels, strict=True):
            possible = world.log_prob(text) > -math.inf
            assert possible == (TRUTH_LABELS[label] == "true"), (name, text, label)


def test_truth_is_balanced_and_no_sentence_is_in_two_splits(truth):
    counts = label_counts(truth)
    for name in SPLITS:
        assert counts[name]["true"] == counts[name]["false"] > 0, counts
        by_phenomenon = Counter((group, label) for group, label in zip(truth.splits[name].groups,
                                                                       truth.splits[name].labels, strict=True))
        assert all(by_phenomenon[group, 0] == by_phenomenon[group, 1] for group, _ in by_phenomenon)
    everything = [text for name in SPLITS for text in truth.splits[name].texts]
    assert len(everything) == len(set(everything))  # every sentence once, so never in two splits
    assert set(truth.splits["train"].groups) == set(ToyWorld().phenomena)  # every phenomenon is there


def test_truth_pairs_differ_in_one_word_and_are_drawn_together(truth):
    train = truth.splits["train"]
    members: dict[int, list[int]] = {}
    for index, unit in enumerate(train.units):
        members.setdefault(unit, []).append(index)
    for indices in list(members.values())[:50]:
        good, bad = (train.texts[i].split() for i in indices)
        assert sorted(train.labels[i] for i in indices) == [0, 1]
        assert len(good) == len(bad) and sum(a != b for a, b in zip(good, bad, strict=True)) == 1
    sample = sample_examples(train, 16, seed=3)
    assert Counter(sample.labels) == {0: 8, 1: 8} and len(set(sample.units)) == 8


def test_tasks_are_seeded():
    first, again = toyworld_truth(20, seed=1), toyworld_truth(20, seed=1)
    assert first.splits["test"].texts == again.splits["test"].texts
    assert toyworld_truth(20, seed=2).splits["train"].texts != first.splits["train"].texts
    assert tagged_sentences(30, seed=4) == tagged_sentences(30, seed=4)


def test_entity_tags_by_hand():
    templates = {template.name: template for template in ToyWorld().templates}
    examples = [
        ("capital_of", {"country": "france"}, "paris is the capital of france .", "PLACE O O O O PLACE O"),
        ("lost", {"person": "the queen", "item": "key", "feeling": "sad"},
         "the queen lost her key . she was sad .", "O PERSON O O O O O O O O"),
        ("plus", {"first": 2, "second": 3}, "two plus three is five .", "NUMBER O NUMBER O NUMBER O"),
        ("works_at", {"profession": "nurse", "workplace": "hospital"}, "the nurse works at a hospital .",
         "O JOB O O O O O"),
    ]
    for name, assigned, sentence, expected in examples:
        words, tags = tagged_sentence(templates[name], assigned)
        assert " ".join(words) == sentence and tags == expected.split(), (sentence, tags)


def test_entity_tags_are_consistent_with_the_world():
    from mlmcourse.corpora.toyworld_tables import ANIMALS, COUNTRIES, PROFESSIONS

    places = set(COUNTRIES) | {c.capital for c in COUNTRIES.values()}
    places |= {word for c in COUNTRIES.values() for word in c.continent.split()}  # "north america"
    languages = {language for c in COUNTRIES.values() for language in c.languages}
    animals = set(ANIMALS) | {animal.plural for animal in ANIMALS.values()}
    task = toyworld_entities(n_sentences=600, seed=0)
    seen = Counter()
    for name in SPLITS:
        split = task.splits[name]
        for text, labels in zip(split.texts, split.labels, strict=True):
            words = text.split()
            assert len(words) == len(labels)
            for word, label in zip(words, labels, strict=True):
                tag = ENTITY_LABELS[label]
                seen[tag] += 1
                if tag == "PLACE":
                    assert word in places, (word, text)
                elif tag == "LANGUAGE":
                    assert word in languages, (word, text)
                elif tag == "JOB":
                    assert word in PROFESSIONS, (word, text)
                elif tag == "ANIMAL":
                    assert word in animals, (word, text)
                elif word in ("the", "a", "an", "my", "."):
                    assert tag == "O"
    assert all(seen[tag] > 0 for tag in ENTITY_LABELS), seen
    sentences = [text for name in SPLITS for text in task.splits[name].texts]
    assert len(sentences) == len(set(sentences))


def test_pydocs_topic_labels_balance_and_module_disjoint_splits():
    task = pydocs_topic(seed=0)
    assert task.label_names == list(TOPICS)
    counts = label_counts(task)
    for name in SPLITS:
        assert len(set(counts[name].values())) == 1 and counts[name]["text"] >= 20, counts  # balanced, not tiny
        split = task.splits[name]
        for label, module in zip(split.labels, split.groups, strict=True):
            assert topic_of(module) == task.label_names[label]
    modules = {name: {module.split(".")[0] for module in task.splits[name].groups} for name in SPLITS}
    assert not modules["train"] & modules["validation"] and not modules["train"] & modules["test"]
    assert not modules["validation"] & modules["test"]
    texts = [text for name in SPLITS for text in task.splits[name].texts]
    assert len(texts) == len(set(texts))


def test_general_and_domain_text_share_no_module_and_never_the_tasks_test_text():
    task = pydocs_topic(seed=0)
    general, internet = general_and_domain("internet")
    where = package_splits(seed=0)
    held_out = {module for module, split in where.items() if split != "train"}
    assert min(len(general[name]) for name in SPLITS) > 50 and len(general["train"]) > 2_000
    assert len(internet["train"]) > 300 and len(internet["validation"]) > 100
    packages = defaultdict(set)  # paragraph -> the top-level packages that say it
    for module, texts in module_paragraphs().items():
        for text in texts:
            packages[text].add(module.split(".")[0])
    for text in general["train"] + general["validation"] + general["test"]:
        assert not any(topic_of(package) == "internet" for package in packages[text]), packages[text]
        assert packages[text] - held_out, packages[text]  # said by some module outside the task's held-out ones
    for name in SPLITS:  # the domain's split is the task's split of its module
        assert all(any(topic_of(p) == "internet" and where[p] == name for p in packages[text]) for text in internet[name])
    test_text = set(task.splits["test"].texts) | set(task.splits["validation"].texts)
    assert not test_text & set(general["train"] + general["validation"] + general["test"])
    assert not test_text & set(internet["train"])
    assert set(task.splits["test"].texts) & set(internet["test"])  # the task's test paragraphs about the internet
    with pytest.raises(CourseError, match="unknown domain 'web'.*internet"):
        general_and_domain("web")


def test_the_packages_docstrings_join_the_general_text_without_the_domain_or_the_test_text(monkeypatch):
    from mlmcourse.corpora import pkgdocs

    task = pydocs_topic(seed=0)
    general, internet = general_and_domain("internet")
    fresh = "A tensor is a grid of numbers with a shape, a data type and the device it lives on."
    leaks = [task.splits["test"].texts[0], internet["train"][0].upper(), general["train"][0],
             task.splits["validation"].texts[0].replace(" ", "  ").replace(".", " !")]  # a near-copy
    monkeypatch.setattr(pkgdocs, "pkgdocs_paragraphs", lambda: [fresh, *leaks])
    broad, same_domain = general_and_domain("internet", packages=True)
    everything = broad["train"] + broad["validation"] + broad["test"]
    assert fresh in everything and same_domain == internet
    assert sorted(everything) == sorted([fresh, *general["train"], *general["validation"], *general["test"]])


def test_pydocs_parts_load_as_corpora():
    general = load_corpus("pydocs-general")
    internet = load_corpus("pydocs-internet")
    expected = general_and_domain("internet")
    assert list(general["train"]["text"]) == expected[0]["train"]
    assert list(internet["validation"]["text"]) == expected[1]["validation"]
    assert load_corpus("pydocs-developer-tools")["train"].num_rows > 100
    with pytest.raises(CourseError, match="unknown pydocs part 'web'.*pydocs-general"):
        load_corpus("pydocs-web")
    # a training seed does not move the task's held-out modules into the general text
    assert list(load_corpus("pydocs-general", seed=1)["train"]["text"]) == expected[0]["train"]


def test_near_copies_of_test_paragraphs_are_filtered_and_local_files_named_pydocs_stay_files(tmp_path, monkeypatch):
    task = pydocs_topic(seed=0)
    held_out = {near_copy_key(text) for name in ("validation", "test") for text in task.splits[name].texts}
    general, _ = general_and_domain("internet")
    for texts in (adaptation_paragraphs(task), general["train"] + general["validation"] + general["test"]):
        assert not held_out & {near_copy_key(text) for text in texts}
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pydocs-notes.txt").write_text("one line of my own .\nanother line .\na third line .\n")
    assert load_corpus("pydocs-notes.txt")["train"].num_rows >= 1


def test_load_task_caches_and_refuses_unknown_names(tmp_path, monkeypatch):
    monkeypatch.setenv("MLMCOURSE_CACHE", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return toyworld_truth(10, seed=0)

    first = cached_task("demo", build)
    again = cached_task("demo", build)
    assert len(calls) == 1 and again.splits["train"].texts == first.splits["train"].texts
    assert again.splits["train"].units == first.splits["train"].units
    with pytest.raises(ValueError, match="unknown task 'sentiment'.*--data"):
        load_task("sentiment")


def test_stratified_samples_keep_every_class():
    examples = Examples([f"t{i}" for i in range(30)], [0] * 20 + [1] * 7 + [2] * 3)
    sample = sample_examples(examples, 9, seed=0)
    assert Counter(sample.labels) == {0: 3, 1: 3, 2: 3}
    assert sample_examples(examples, 9, seed=0).texts == sample.texts
    with pytest.raises(ValueError, match="only 30"):
        sample_examples(examples, 31, seed=0)
