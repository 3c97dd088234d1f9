"""Labelled tasks that need no download: is a toy-world statement true, and which words name what.

What it teaches: a pretrained model pays off on a task when the task needs what pretraining taught. The toy world
makes that exact: its generator knows which sentences are true, so the labels are not annotations but facts.

- ``toyworld-truth`` (one label per sentence): a sentence the toy world can write ("paris is the capital of france
  .", "two plus three is five .") against the same sentence with one word changed so that the world never writes
  it ("... of spain .", "... is six ."): wrong facts, wrong sums, wrong sounds, agreement and pronoun violations.
  The pairs are the world's minimal pairs (``ToyWorld.minimal_pairs``); the label is ``log P(sentence) > -inf``.
  A masked LM trained on the toy world has learnt exactly this knowledge; a model from scratch must learn it from
  the labels alone.
- ``toyworld-entities`` (one label per word): which words name an animal, a person, a place, a language, a job or
  a number. The tags come from the template slot that wrote each word, so they are exact; the same word can get
  different tags in different sentences only if the world uses it in two roles.
- ``pydocs-topic``: real text with real labels, in :mod:`mlmcourse.finetune.pydocs_topic`.

Splits: a hash of the sentence (for a pair, of its true sentence) chooses the split, so every sentence is in one
split only, and the two sentences of a pair stay together (so the truth task is balanced in every split).

What it simplifies: templates only; two labels for truth (the phenomenon is kept as the example's group, so scores
can be broken down by phenomenon).

Production twins: GLUE-style single-sentence tasks (CoLA: is it acceptable?; BLiMP's minimal pairs as a
classification task) and CoNLL-2003 NER tags, read with ``datasets.load_dataset``.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Callable

from mlmcourse.atomic import write_cache_json
from mlmcourse.errors import CourseError
from mlmcourse.finetune.data import SPLITS, Examples, TaskData

TASK_VERSION = 2  # bump when a task's construction changes (cached tasks are rebuilt)
SPLIT_SHARES = (0.70, 0.15, 0.15)  # train, validation, test
TRUTH_LABELS = ["false", "true"]
ENTITY_LABELS = ["O", "ANIMAL", "PERSON", "PLACE", "LANGUAGE", "JOB", "NUMBER"]
# Template slot -> the tag of the words it writes (determiners inside a slot stay O: "the queen" -> O PERSON).
TAG_OF_SLOT = {
    **dict.fromkeys(["animal", "plural(animal)", "noun(animal, number)", "noun(other, other_number)",
                     "noun(pet, count)", "noun(other_pet, other_count)"], "ANIMAL"),
    **dict.fromkeys(["name", "person", "giver", "receiver", "noun(person, number)"], "PERSON"),
    **dict.fromkeys(["country", "capital(country)", "continent(country)"], "PLACE"),
    "language": "LANGUAGE",
    "profession": "JOB",
    **dict.fromkeys(["word(first)", "word(second)", "sum(first, second)", "difference(first, second)",
                     "word(count)", "word(other_count)", "word(number)", "next(number)", "legs(animal)"], "NUMBER"),
}
DETERMINERS = frozenset({"the", "my", "a", "an"})


def split_by_hash(key: str, seed: int = 0) -> str:
    """``train`` / ``validation`` / ``test`` (70 / 15 / 15) from a stable hash of ``key``: the same key is always in
    the same split, whatever else the task holds.

    >>> split_by_hash("the dog barked ."), split_by_hash("the cat barked ."), split_by_hash("the cow barked .")
    ('train', 'test', 'validation')
    """
    bucket = zlib.crc32(f"{seed}:{key}".encode()) % 100
    train, validation, _ = SPLIT_SHARES
    return "train" if bucket < 100 * train else "validation" if bucket < 100 * (train + validation) else "test"


def truth_pairs(pairs_per_phenomenon: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """``(true sentence, false sentence, phenomenon)`` minimal pairs of every phenomenon of the toy world."""
    from mlmcourse.corpora.toyworld import ToyWorld

    world = ToyWorld()
    return [(good, bad, phenomenon) for phenomenon in world.phenomena
            for good, bad in world.minimal_pairs(phenomenon, pairs_per_phenomenon, seed=seed)]


def assign_pairs(pairs: list[tuple[str, str, str]], seed: int = 0) -> dict[str, list[tuple[str, str, str]]]:
    """Each pair to the split of its true sentence (:func:`split_by_hash`); a pair is kept only if neither of its
    sentences was kept before, so every sentence appears once in the whole task and each split holds as many true
    as false sentences. Returns ``{split: [(true sentence, false sentence, group)]}``.

    >>> pairs = [("the dog barked .", "the cat barked .", "x"),  # "the dog barked ." hashes to train
    ...          ("the cow barked .", "the cat barked .", "x"),  # "the cat barked ." is used already: dropped
    ...          ("the dog barked .", "the pig barked .", "x"),  # so is "the dog barked .": dropped
    ...          ("the cow barked .", "the owl barked .", "x")]  # "the cow barked ." hashes to validation
    >>> {split: [(good, bad) for good, bad, _ in rows] for split, rows in assign_pairs(pairs).items()}
    {'train': [('the dog barked .', 'the cat barked .')], 'validation': [('the cow barked .', 'the owl barked .')], 'test': []}
    """
    used: set[str] = set()
    rows: dict[str, list[tuple[str, str, str]]] = {name: [] for name in SPLITS}
    for good, bad, group in pairs:
        if good in used or bad in used:
            continue
        used.update((good, bad))
        rows[split_by_hash(good, seed)].append((good, bad, group))
    return rows


def toyworld_truth(pairs_per_phenomenon: int = 1500, seed: int = 0) -> TaskData:
    """The ``toyworld-truth`` task (see the module docstring); ``seed`` draws the pairs and the splits.

    Each example's ``unit`` is its pair: :func:`~mlmcourse.finetune.data.sample_examples` draws whole pairs, so a
    budget of 256 labels is 128 true sentences, each with its corrupted twin (the contrast that shows a classifier
    which word matters); ``groups`` holds the phenomenon.
    """
    assigned = assign_pairs(truth_pairs(pairs_per_phenomenon, seed), seed)
    splits = {}
    for name in SPLITS:
        rows = sorted(assigned[name], key=lambda row: zlib.crc32(f"{seed}:{row[0]}".encode()))  # phenomena mixed
        texts, labels, groups, units = [], [], [], []
        for unit, (good, bad, group) in enumerate(rows):
            texts += [good, bad]
            labels += [1, 0]
            groups += [group, group]
            units += [unit, unit]
        splits[name] = Examples(texts, labels, groups, units)
    return TaskData("toyworld-truth", "sequence", list(TRUTH_LABELS), splits,
                    "Can the toy world say this sentence? (true facts, sums, agreement... vs one word changed)")


def tagged_sentence(template, assigned) -> tuple[list[str], list[str]]:
    """The words a template writes for one latent assignment, and the tag of each word (from its slot)."""
    words, tags = [], []
    for slot in template.slots:
        piece = slot.render(assigned)
        tag = TAG_OF_SLOT.get(slot.key, "O")
        words += piece
        tags += ["O" if word in DETERMINERS else tag for word in piece]
    return words, tags


def tagged_sentences(n_sentences: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    """``n_sentences`` toy-world lines (drawn like ``ToyWorld.generate``) with one tag per word.

    >>> tagged_sentences(1, seed=0)
    [('i have three chickens and two rabbits .', ['O', 'O', 'NUMBER', 'ANIMAL', 'O', 'NUMBER', 'ANIMAL', 'O'])]
    """
    import numpy as np

    from mlmcourse.corpora.toyworld import ToyWorld

    world = ToyWorld()
    rng = np.random.default_rng([seed, 17])
    counts = rng.multinomial(n_sentences, world.template_probabilities)
    result = []
    for template, count in zip(world.templates, counts.tolist(), strict=True):
        if count:
            columns = template.sample_columns(count, rng)
            for row in range(count):
                words, tags = tagged_sentence(template, {name: column[row] for name, column in columns.items()})
                result.append((" ".join(words), tags))
    return [result[i] for i in rng.permutation(len(result)).tolist()]


def toyworld_entities(n_sentences: int = 12_000, seed: int = 0) -> TaskData:
    """The ``toyworld-entities`` tagging task: distinct sentences, split by a hash of the sentence."""
    seen: set[str] = set()
    rows: dict[str, list] = {name: [] for name in SPLITS}
    index = {label: i for i, label in enumerate(ENTITY_LABELS)}
    for sentence, tags in tagged_sentences(n_sentences, seed):
        if sentence not in seen:
            seen.add(sentence)
            rows[split_by_hash(sentence, seed)].append((sentence, [index[tag] for tag in tags]))
    splits = {name: Examples([r[0] for r in rows[name]], [r[1] for r in rows[name]]) for name in SPLITS}
    return TaskData("toyworld-entities", "token", list(ENTITY_LABELS), splits,
                    "Tag each word of a toy-world sentence: animal, person, place, language, job, number or O")


def cached_task(key: str, build: Callable[[], TaskData]) -> TaskData:
    """``build()``, stored as JSON in the course cache (``MLMCOURSE_CACHE``) so it is made once per machine."""
    from mlmcourse.config import cache_dir

    path = cache_dir() / "tasks" / f"{key}-v{TASK_VERSION}.json"
    if path.is_file():
        try:
            return task_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt
    task = build()
    write_cache_json(path, task_to_json(task))  # a read-only home still gets the task, just without a cache
    return task


def task_to_json(task: TaskData) -> dict:
    return {"name": task.name, "kind": task.kind, "label_names": task.label_names, "description": task.description,
            "splits": {name: {"texts": examples.texts, "labels": examples.labels, "groups": examples.groups,
                              "units": examples.units} for name, examples in task.splits.items()}}


def task_from_json(values: dict) -> TaskData:
    splits = {name: Examples(split["texts"], split["labels"], split["groups"], split.get("units"))
              for name, split in values["splits"].items()}
    return TaskData(values["name"], values["kind"], values["label_names"], splits, values["description"])


def load_task(name: str, seed: int = 0, small: bool = False) -> TaskData:
    """A task by name (``TASKS``); ``small=True`` builds a few hundred examples only (tests, smoke runs)."""
    from mlmcourse.finetune.pydocs_topic import pydocs_topic

    builders: dict[str, Callable[[], TaskData]] = {
        "toyworld-truth": lambda: toyworld_truth(150 if small else 1500, seed),
        "toyworld-entities": lambda: toyworld_entities(1500 if small else 12_000, seed),
        "pydocs-topic": lambda: pydocs_topic(seed),
    }
    if name not in builders:
        raise CourseError(f"unknown task {name!r}; choose one of {', '.join(TASKS)} or pass your own file with "
                          "--data (CSV or JSON Lines with `text` and `label` columns)")
    return cached_task(f"{name}-seed{seed}{'-small' if small else ''}", builders[name])


TASKS = ("toyworld-truth", "toyworld-entities", "pydocs-topic")


def label_counts(task: TaskData) -> dict[str, dict[str, int]]:
    """How many examples (sequence tasks) or words (token tasks) of each label each split holds."""
    counts = {}
    for name in SPLITS:
        labels = task.splits[name].labels
        flat = [label for row in labels for label in row] if task.kind == "token" else labels
        counter = Counter(flat)
        counts[name] = {label: counter.get(i, 0) for i, label in enumerate(task.label_names)}
    return counts
