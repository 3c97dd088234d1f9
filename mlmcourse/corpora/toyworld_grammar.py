"""Templates as tiny generative programs, and exact inference over them by enumeration.

Teaches: a language is a probability distribution over word sequences. A template such as
``"{capital(country)} is the capital of {country} ."`` draws hidden choices (*latents*: here one country)
and writes words that depend on them. Because every choice has a known probability, we can compute
P(sentence) exactly by summing over all the choices that write that sentence, and from it the exact
P(masked word | the other words): the answer a perfect masked language model would give.

Simplifies: a latent depends only on earlier latents (a Bayesian network in template order); enumeration is
exhaustive (with pruning), which is exact but only works because the toy world is small.
Mirrors: probabilistic context-free grammars and the "variable elimination" of graphical models, without the
dynamic programming that real parsers (CKY, inside-outside) use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from mlmcourse.corpora.toyworld_words import RENDERERS
from mlmcourse.errors import CourseError

Distribution = tuple[tuple[Hashable, ...], np.ndarray]  # (values, probabilities summing to 1)


@dataclass(frozen=True)
class Given:
    """A latent that depends on earlier latents: ``table(*parent_values) -> {value: weight}``."""

    parents: tuple[str, ...]
    table: Callable[..., Mapping[Hashable, float]]


def uniform(values: Sequence[Hashable]) -> dict[Hashable, float]:
    """Equal weight for every value.

    >>> uniform(["a", "b"])
    {'a': 1.0, 'b': 1.0}
    """
    return dict.fromkeys(values, 1.0)


@dataclass
class Latent:
    """One hidden choice of a template: its name, the latents it depends on, and its distribution."""

    name: str
    parents: tuple[str, ...]
    table: Callable[..., Mapping[Hashable, float]]
    _cache: dict[tuple, Distribution] = field(default_factory=dict, repr=False)

    def distribution(self, parent_values: tuple = ()) -> Distribution:
        """The normalised (values, probabilities) given the parents' values (cached)."""
        if parent_values not in self._cache:
            weights = {value: w for value, w in self.table(*parent_values).items() if w > 0}
            if not weights:
                raise CourseError(f"latent {self.name!r} has no possible value given {parent_values}")
            probabilities = np.array(list(weights.values()), dtype=np.float64)
            self._cache[parent_values] = (tuple(weights), probabilities / probabilities.sum())
        return self._cache[parent_values]


@dataclass(frozen=True)
class Slot:
    """A piece of the output: literal words, a latent's value, or a renderer applied to latents."""

    key: str  # what the pattern says between braces ("capital(country)"), or the literal word
    literal: tuple[str, ...] = ()
    renderer: Callable[..., str] | None = None
    arguments: tuple[str, ...] = ()  # latent names this slot reads

    def render(self, assigned: Mapping[str, Hashable]) -> tuple[str, ...]:
        if self.renderer is None and not self.arguments:
            return self.literal
        values = [assigned[name] for name in self.arguments]
        text = self.renderer(*values) if self.renderer else str(values[0])
        return tuple(text.split())


_SLOT_RE = re.compile(r"\{(\w+)(?:\(([\w, ]+)\))?\}")


def parse_pattern(pattern: str, renderers: Mapping[str, Callable[..., str]] | None = None) -> list[Slot]:
    """Split a pattern into slots: literal words and ``{latent}`` / ``{renderer(latent, ...)}`` holes.

    ``renderers`` names the word-form functions a pattern may call (default: the English toy world's ``RENDERERS``;
    another language brings its own).

    >>> [slot.key for slot in parse_pattern("{capital(country)} is the capital of {country} .")]
    ['capital(country)', 'is', 'the', 'capital', 'of', 'country', '.']
    """
    renderers = RENDERERS if renderers is None else renderers
    slots, position = [], 0
    for match in _SLOT_RE.finditer(pattern):
        slots += [Slot(word, literal=(word,)) for word in pattern[position:match.start()].split()]
        name, arguments = match.group(1), match.group(2)
        if arguments is None:
            slots.append(Slot(name, arguments=(name,)))
        else:
            if name not in renderers:
                raise CourseError(f"unknown renderer {name!r} in {pattern!r}; known: {sorted(renderers)}")
            names = tuple(a.strip() for a in arguments.split(","))
            slots.append(Slot(f"{name}({', '.join(names)})", renderer=renderers[name], arguments=names))
        position = match.end()
    return slots + [Slot(word, literal=(word,)) for word in pattern[position:].split()]


class Template:
    """A generative program: latents drawn in order, then a pattern of slots filled from them."""

    def __init__(self, name: str, phenomenon: str, weight: float, pattern: str,
                 latents: Mapping[str, Mapping[Hashable, float] | Given], probe: Sequence[str] = (),
                 renderers: Mapping[str, Callable[..., str]] | None = None):
        self.name, self.phenomenon, self.weight, self.pattern = name, phenomenon, float(weight), pattern
        self.latents: list[Latent] = []
        for latent_name, spec in latents.items():
            if isinstance(spec, Given):
                missing = [p for p in spec.parents if p not in {lat.name for lat in self.latents}]
                if missing:
                    raise CourseError(f"template {name}: latent {latent_name!r} needs earlier latents {missing}")
                self.latents.append(Latent(latent_name, spec.parents, spec.table))
            else:
                fixed = dict(spec)
                self.latents.append(Latent(latent_name, (), lambda fixed=fixed: fixed))
        self.slots = parse_pattern(pattern, renderers)
        level_of = {latent.name: level + 1 for level, latent in enumerate(self.latents)}
        for slot in self.slots:
            unknown = [a for a in slot.arguments if a not in level_of]
            if unknown:
                raise CourseError(f"template {name}: slot {{{slot.key}}} reads unknown latents {unknown}")
        # Slot i can be written once `ready[i]` latents are drawn (slots are written left to right).
        self.ready = [max((level_of[a] for a in slot.arguments), default=0) for slot in self.slots]
        for level in range(1, len(self.ready)):
            self.ready[level] = max(self.ready[level], self.ready[level - 1])
        self.probe_slots = tuple(probe)
        for key in self.probe_slots:
            if key not in [slot.key for slot in self.slots]:
                raise CourseError(f"template {name}: probe slot {key!r} is not in the pattern {pattern!r}")

    def __repr__(self) -> str:
        return f"Template({self.name!r}, {self.phenomenon!r}, weight={self.weight:g}, {self.pattern!r})"

    def possible_lengths(self) -> set[int]:
        """Sentence lengths this template may write (a superset when slot lengths are correlated)."""
        lengths = {0}
        for slot in self.slots:
            lengths = {total + len(piece) for total in lengths for piece in self.slot_pieces(slot)}
        return lengths

    @cached_property
    def position_filters(self) -> list[tuple[int, frozenset[str]]]:
        """(position, words possible there) for the words at a fixed distance from the start or end (< 0).

        A quick test that skips a whole template: "{country} is in {continent(country)} ." can never start
        with "the", so enumerating its 52 countries for "the dog barked at me ." would be wasted work.
        """
        filters = []
        for direction, slots in ((1, self.slots), (-1, self.slots[::-1])):
            offset = 0
            for slot in slots:
                pieces = self.slot_pieces(slot)
                lengths = {len(piece) for piece in pieces}
                if len(lengths) != 1:  # a slot of varying length: later positions are not fixed
                    break
                size = lengths.pop()
                for k in range(size):
                    position = offset + k if direction == 1 else k - offset - size
                    filters.append((position, frozenset(piece[k] for piece in pieces)))
                offset += size
        return filters

    def could_write(self, target: Sequence[str | None]) -> bool:
        """False if a known word of `target` sits where this template can never write it."""
        return all(target[position] is None or target[position] in allowed
                   for position, allowed in self.position_filters if -len(target) <= position < len(target))

    def enumerate(self, target: Sequence[str | None] | None = None
                  ) -> Iterator[tuple[float, tuple[str, ...], dict[str, Hashable]]]:
        """Every latent assignment that writes a sentence matching `target`, with its probability.

        `target` holds a word or None (unknown) per position; None for `target` means no constraint.
        Yields (probability, words, assignment). Each slot is checked as soon as its latents are drawn,
        so a wrong word prunes a whole subtree of choices at once.
        """
        if target is not None and not self.could_write(target):
            return
        assigned: dict[str, Hashable] = {}

        def visit(level: int, slot_index: int, words: tuple[str, ...], probability: float):
            while slot_index < len(self.slots) and self.ready[slot_index] <= level:
                piece = self.slots[slot_index].render(assigned)
                if target is not None:
                    start = len(words)
                    if start + len(piece) > len(target):
                        return
                    for offset, word in enumerate(piece):
                        expected = target[start + offset]
                        if expected is not None and expected != word:
                            return
                words, slot_index = words + piece, slot_index + 1
            if level == len(self.latents):
                if target is None or len(words) == len(target):
                    yield probability, words, dict(assigned)
                return
            latent = self.latents[level]
            values, probabilities = latent.distribution(tuple(assigned[p] for p in latent.parents))
            for value, value_probability in zip(values, probabilities, strict=True):
                assigned[latent.name] = value
                yield from visit(level + 1, slot_index, words, probability * float(value_probability))
            del assigned[latent.name]

        yield from visit(0, 0, (), 1.0)

    def slot_pieces(self, slot: Slot) -> set[tuple[str, ...]]:
        """Everything `slot` can write, found by enumerating only the latents it reads and their ancestors.

        >>> template = Template("demo", "counting", 1, "{word(n)} apples", {"n": uniform(range(3))})
        >>> sorted(template.slot_pieces(template.slots[0]))
        [('one',), ('two',), ('zero',)]
        """
        needed = set(slot.arguments)
        for latent in reversed(self.latents):  # parents come before children: one backward pass finds all
            if latent.name in needed:
                needed.update(latent.parents)
        latents = [latent for latent in self.latents if latent.name in needed]
        pieces: set[tuple[str, ...]] = set()
        assigned: dict[str, Hashable] = {}

        def visit(level: int) -> None:
            if level == len(latents):
                pieces.add(slot.render(assigned))
                return
            latent = latents[level]
            for value in latent.distribution(tuple(assigned[p] for p in latent.parents))[0]:
                assigned[latent.name] = value
                visit(level + 1)

        visit(0)
        return pieces

    def sample_columns(self, count: int, rng: np.random.Generator) -> dict[str, list]:
        """Draw every latent for `count` sentences at once: one vectorised draw per latent (and parent value)."""
        columns: dict[str, list] = {}
        for latent in self.latents:
            if not latent.parents:
                values, probabilities = latent.distribution()
                columns[latent.name] = [values[i] for i in rng.choice(len(values), size=count, p=probabilities).tolist()]
                continue
            rows_by_parents: dict[tuple, list[int]] = {}  # insertion order = first occurrence: deterministic
            for row, key in enumerate(zip(*(columns[p] for p in latent.parents), strict=True)):
                rows_by_parents.setdefault(key, []).append(row)
            column: list = [None] * count
            for key, rows in rows_by_parents.items():
                values, probabilities = latent.distribution(key)
                picks = rng.choice(len(values), size=len(rows), p=probabilities).tolist()
                for row, pick in zip(rows, picks, strict=True):
                    column[row] = values[pick]
            columns[latent.name] = column
        return columns

    def sample(self, count: int, rng: np.random.Generator) -> list[str]:
        """`count` sentences of this template as strings (each distinct assignment is rendered once)."""
        columns = self.sample_columns(count, rng)
        names = [latent.name for latent in self.latents]
        rendered: dict[tuple, str] = {}
        lines = []
        for values in zip(*(columns[name] for name in names), strict=True):
            line = rendered.get(values)
            if line is None:
                line = rendered[values] = " ".join(self.render(dict(zip(names, values, strict=True)))[0])
            lines.append(line)
        return lines

    def render(self, assigned: Mapping[str, Hashable]) -> tuple[list[str], dict[str, tuple[int, int]]]:
        """The words for one full assignment, and each slot's (start, end) word span."""
        words: list[str] = []
        spans: dict[str, tuple[int, int]] = {}
        for slot in self.slots:
            piece = slot.render(assigned)
            spans.setdefault(slot.key, (len(words), len(words) + len(piece)))
            words += piece
        return words, spans
