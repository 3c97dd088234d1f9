"""Labelled examples: a task's splits, its label names, and how a few labelled examples are drawn from them.

What it teaches: a fine-tuning dataset is texts with labels, cut into train / validation / test so that nothing
seen in training is scored, and a learning curve asks how the score grows with the number of labels. Drawing
``n`` training examples *stratified* (the classes in turn) keeps every class present even at ``n = 16``; drawing
them by a seed makes each point of the curve repeatable, and different seeds show its spread.

What it simplifies: everything fits in memory as Python lists.

Production twin: a ``datasets.DatasetDict`` with ``text`` and ``label`` columns (``ClassLabel`` names), and
``Dataset.train_test_split(stratify_by_column="label")`` / ``.select(range(n))`` for a budget of labels.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from mlmcourse.errors import CourseError

SPLITS = ("train", "validation", "test")
KINDS = ("sequence", "token")


@dataclass
class Examples:
    """One split: ``texts`` and their ``labels`` (an int per text, or for token tasks a list of ints, one per
    whitespace-separated word); ``groups`` optionally says where each example comes from (e.g. its module);
    ``units`` optionally ties examples that are drawn together (e.g. the two sentences of a minimal pair)."""

    texts: list[str]
    labels: list
    groups: list[str] | None = None
    units: list[int] | None = None

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise CourseError(f"{len(self.texts)} texts but {len(self.labels)} labels; they must pair up one to one")
        for name in ("groups", "units"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.texts):
                raise CourseError(f"{len(self.texts)} texts but {len(values)} {name}")

    def __len__(self) -> int:
        return len(self.texts)

    def select(self, indices: list[int]) -> Examples:
        """The examples at ``indices``, in that order."""
        def pick(values):
            return None if values is None else [values[i] for i in indices]

        return Examples(pick(self.texts), pick(self.labels), pick(self.groups), pick(self.units))


@dataclass
class TaskData:
    """A labelled task: its kind (``sequence``: a label per text; ``token``: a label per word), its label names
    and its ``train`` / ``validation`` / ``test`` splits."""

    name: str
    kind: str
    label_names: list[str]
    splits: dict[str, Examples]
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CourseError(f"kind must be one of {KINDS}, got {self.kind!r}")
        missing = [name for name in SPLITS if name not in self.splits]
        if missing:
            raise CourseError(f"task {self.name!r} lacks the split(s) {missing}")

    @property
    def num_labels(self) -> int:
        return len(self.label_names)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name} {len(self.splits[name]):,}" for name in SPLITS)
        return f"TaskData({self.name!r}, {self.kind}, {self.num_labels} labels, {sizes})"


def stratified_indices(labels: list[int], n: int, seed: int) -> list[int]:
    """``n`` indices drawn class by class in turn (each class shuffled by ``seed``), so every class is present
    as soon as ``n`` >= the number of classes, and classes stay as balanced as the data allows.

    >>> stratified_indices([0, 0, 0, 0, 1, 1], n=4, seed=0)
    [2, 4, 0, 5]
    >>> sorted(stratified_indices([0, 1, 0, 1], n=4, seed=3)) == [0, 1, 2, 3]
    True
    """
    if n > len(labels):
        raise CourseError(f"asked for {n:,} examples but the split has only {len(labels):,}; use a smaller n_train")
    rng = random.Random(seed)
    by_class: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_class[label].append(index)
    queues = []
    for label in sorted(by_class):
        members = by_class[label]
        rng.shuffle(members)
        queues.append(members)
    chosen: list[int] = []
    while len(chosen) < n:
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return chosen


def unit_indices(units: list[int], n: int, seed: int) -> list[int]:
    """``n`` indices taken whole unit by whole unit (units in a seeded order); the last unit may be cut.

    >>> unit_indices([0, 0, 1, 1, 2, 2], n=4, seed=0)
    [0, 1, 4, 5]
    """
    if n > len(units):
        raise CourseError(f"asked for {n:,} examples but the split has only {len(units):,}; use a smaller n_train")
    members: dict[int, list[int]] = defaultdict(list)
    for index, unit in enumerate(units):
        members[unit].append(index)
    order = sorted(members)
    random.Random(seed).shuffle(order)
    chosen: list[int] = []
    for unit in order:
        chosen += members[unit][: n - len(chosen)]
        if len(chosen) == n:
            break
    return chosen


def sample_examples(examples: Examples, n: int | None, seed: int, stratify: bool = True) -> Examples:
    """``n`` examples of a split (all when ``n`` is None): whole units when the split has units, else stratified
    by label (sequence tasks) or plainly at random.

    >>> sample_examples(Examples(["a", "b", "c", "d"], [0, 0, 1, 1]), n=2, seed=0).labels
    [0, 1]
    """
    if n is None or n == len(examples):
        return examples
    if examples.units is not None:
        return examples.select(unit_indices(examples.units, n, seed))
    if stratify:
        return examples.select(stratified_indices(list(examples.labels), n, seed))
    if n > len(examples):
        raise CourseError(f"asked for {n:,} examples but the split has only {len(examples):,}; use a smaller n_train")
    return examples.select(random.Random(seed).sample(range(len(examples)), n))
