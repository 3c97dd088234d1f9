"""The toy world: a small English-like language whose exact statistics we know.

Teaches: what a masked language model *can* learn. The toy world writes lines such as
"the dog barked at me ." and "paris is the capital of france ." from templates with hidden choices
(``toyworld_templates``) over real facts (``toyworld_tables``). Because the generative process is known,
P(word at a masked position | the other words) is computed exactly by enumeration (``posterior``): the
answer of a perfect model. Its mean cross-entropy on held-out probes is the *Bayes floor*: no model, however
large, can have a lower expected loss on those probes, because the remaining uncertainty is in the language.

Simplifies: a closed world of a few hundred words and 35 sentence frames; exact enumeration instead of the
approximate probes used for real models.
Mirrors: LAMA fact probes (Petroni et al., 2019), BLiMP minimal pairs (Warstadt et al., 2020) and the
synthetic "physics of language models" corpora (Allen-Zhu & Li, 2023), in miniature.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from mlmcourse.corpora.toyworld_grammar import Template
from mlmcourse.corpora.toyworld_tables import VERBS
from mlmcourse.corpora.toyworld_templates import PHENOMENA, TEMPLATES
from mlmcourse.corpora.toyworld_words import article
from mlmcourse.errors import CourseError
from mlmcourse.progress import tqdm

# For agreement minimal pairs: flip a verb's number ("bark" <-> "barks"), keep its meaning.
_VERB_NUMBER_SWAP = {lemma: forms[0] for lemma, forms in VERBS.items()}
_VERB_NUMBER_SWAP.update({forms[0]: lemma for lemma, forms in VERBS.items()})


@dataclass
class Probe:
    """One masked word to predict, with the exact distribution a perfect model would give."""

    words: list[str]
    index: int
    answer: str
    posterior: dict[str, float]
    phenomenon: str
    template: str = ""

    def masked_text(self, mask: str = "[MASK]") -> str:
        """The sentence with the probed word replaced by `mask`.

        >>> Probe(["the", "dog", "barked", "."], 1, "dog", {"dog": 1.0}, "animals").masked_text("<mask>")
        'the <mask> barked .'
        """
        return " ".join(mask if i == self.index else word for i, word in enumerate(self.words))


def _as_words(words: str | Sequence[str]) -> list[str]:
    result = words.split() if isinstance(words, str) else list(words)
    if not result or not all(isinstance(word, str) for word in result):
        raise CourseError(f"expected a sentence as a list of words (or a string), got {words!r}")
    return result


class _Inventory(NamedTuple):
    lengths: list[set[int]]  # per template: the sentence lengths it can write
    slot_words: dict[tuple[str, str], list[str]]  # (template name, slot key) -> words the slot can end with
    vocabulary: list[str]


class ToyWorld:
    """The course's ground-truth language: generator, exact posteriors, probes and minimal pairs.

    >>> world = ToyWorld()
    >>> world.posterior("paris is the [MASK] of france .", 3)
    {'capital': 1.0}
    """

    def __init__(self, seed: int = 0, templates: Sequence[Template] | None = None):
        self.seed = seed  # default seed of generate / probes / minimal_pairs; the language itself is fixed
        # `templates` replaces the English grammar, e.g. by another language's (mlmcourse.corpora.multilingual)
        self.templates: list[Template] = list(TEMPLATES if templates is None else templates)
        self.phenomena: list[str] = [p for p in PHENOMENA if any(t.phenomenon == p for t in self.templates)]
        total = sum(template.weight for template in self.templates)
        self.template_probabilities = np.array([t.weight / total for t in self.templates])

    def __repr__(self) -> str:
        return (f"ToyWorld({len(self.templates)} templates, {len(self.vocabulary)} words, "
                f"phenomena={self.phenomena})")

    # ---- the language as a whole ---------------------------------------------------------------------------
    @cached_property
    def _inventory(self) -> _Inventory:
        """What each template can write, found once by enumerating each slot's latents (about 0.2 s)."""
        slot_words: dict[tuple[str, str], set[str]] = defaultdict(set)
        vocabulary: set[str] = set()
        for template in self.templates:
            for slot in template.slots:
                for piece in template.slot_pieces(slot):
                    slot_words[template.name, slot.key].add(piece[-1])  # probes mask a slot's last word
                    vocabulary.update(piece)
        return _Inventory(lengths=[template.possible_lengths() for template in self.templates],
                          slot_words={key: sorted(words) for key, words in slot_words.items()},
                          vocabulary=sorted(vocabulary))

    @property
    def vocabulary(self) -> list[str]:
        """Every word the generator can write, sorted (includes ".")."""
        return list(self._inventory.vocabulary)

    def generate(self, n_sentences: int, seed: int | None = None, progress: bool | None = None) -> list[str]:
        """`n_sentences` lines, identical for the same (n_sentences, seed) in any process.

        Vectorised by template: one multinomial draw counts the lines of each template, then each latent is
        drawn for all lines of a template at once; finally the lines are shuffled. A progress bar shows for
        100,000 lines or more unless `progress` says otherwise.

        >>> ToyWorld().generate(3, seed=0)
        ['i have three rabbits and three fish .', 'a rabbit lives in a burrow .', 'i have three dogs and two horses .']
        """
        if isinstance(n_sentences, bool) or not isinstance(n_sentences, int) or n_sentences < 0:
            raise CourseError(f"n_sentences must be a non-negative integer, got {n_sentences!r}")
        rng = self._seeded_rng(self.seed if seed is None else seed)
        counts = rng.multinomial(n_sentences, self.template_probabilities)
        show = n_sentences >= 100_000 if progress is None else progress
        lines: list[str] = []
        for template, count in tqdm(list(zip(self.templates, counts.tolist(), strict=True)), disable=not show,
                                    desc="toy world", unit="template"):
            if count:
                lines += template.sample(count, rng)
        return [lines[i] for i in rng.permutation(n_sentences).tolist()]

    def log_prob(self, words: str | Sequence[str]) -> float:
        """Natural log of P(line) under the generator: a sum over templates and their latent choices.

        >>> world = ToyWorld()
        >>> round(math.exp(world.log_prob("paris is the capital of france .")), 6)  # P(template) / 52 countries
        0.000962
        >>> world.log_prob("paris is the capital of spain .")
        -inf
        """
        words = _as_words(words)
        total = 0.0
        for template, prior in self._candidates(len(words)):
            total += prior * sum(p for p, _, _ in template.enumerate(words))
        return math.log(total) if total > 0 else -math.inf

    def posterior(self, words: str | Sequence[str], index: int, hidden: Sequence[int] = ()) -> dict[str, float]:
        """Exact P(word at `index` | all other words except those at `hidden`), sorted by probability.

        Whatever is written at `index` (a word, "[MASK]", "<mask>") is ignored; the `hidden` positions are
        unknown too and summed over. One enumeration per template, not one per candidate word.

        >>> world = ToyWorld()
        >>> {w: round(p, 3) for w, p in world.posterior("the [MASK] barked at me .", 1).items()}
        {'dog': 0.833, 'puppy': 0.125, 'fox': 0.042}
        """
        words = _as_words(words)
        unknown = self._check_positions(words, index, hidden)
        target = [None if i in unknown else word for i, word in enumerate(words)]
        mass: dict[str, float] = defaultdict(float)
        for template, prior in self._candidates(len(words)):
            for probability, written, _ in template.enumerate(target):
                mass[written[index]] += prior * probability
        total = sum(mass.values())
        if total == 0:
            raise CourseError(self._impossible_message(words, unknown))
        return dict(sorted(((w, p / total) for w, p in mass.items()), key=lambda item: (-item[1], item[0])))

    # ---- probes and minimal pairs ------------------------------------------------------------------------
    def probes(self, phenomenon: str, n: int, seed: int | None = None) -> list[Probe]:
        """`n` single-mask probes of a phenomenon: lines drawn from its templates, a tested word masked.

        Probes come from their own random stream (not `generate`'s), so they are fresh draws from the same
        distribution as the training lines; common sentences will also occur in training, as in any corpus.

        >>> probe = ToyWorld().probes("facts", 1, seed=0)[0]
        >>> probe.masked_text(), probe.answer, len(probe.posterior)  # twelve asian countries in the tables
        ('[MASK] is in asia .', 'lebanon', 12)
        """
        rng = self._rng(phenomenon, n, seed, stream=1)
        cache: dict[tuple, dict[str, float]] = {}
        probes = []
        for _ in range(n):
            template, words, index, _ = self._draw_probe_position(phenomenon, rng)
            key = (tuple(words[:index]), tuple(words[index + 1:]))
            if key not in cache:
                cache[key] = self.posterior(words, index)
            probes.append(Probe(words, index, words[index], cache[key], phenomenon, template.name))
        return probes

    def bayes_floor(self, probes: Sequence[Probe]) -> float:
        """Mean cross-entropy (nats) of the exact posterior on `probes`: the lowest loss any model can expect.

        >>> ToyWorld().bayes_floor([Probe(["a"], 0, "a", {"a": 0.5, "b": 0.5}, "facts")])  # ln 2
        0.6931471805599453
        """
        if not probes:
            raise CourseError("bayes_floor needs at least one probe; make some with world.probes(phenomenon, n)")
        return float(np.mean([-math.log(probe.posterior[probe.answer]) for probe in probes]))

    def minimal_pairs(self, phenomenon: str, n: int, seed: int | None = None) -> list[tuple[str, str]]:
        """`n` distinct (grammatical, ungrammatical) pairs: same length, one word changed, the second impossible.

        (Fewer than `n` only if the phenomenon has fewer distinct pairs than that, which none of ours has.)

        The changed word is a probe word: a verb's number flipped (agreement), a/an swapped, another capital,
        sound, pronoun, number, kind or yes/no chosen so that the toy world can never write the result.

        >>> ToyWorld().minimal_pairs("agreement", 1, seed=0)
        [('the car is new .', 'the car are new .')]
        """
        rng = self._rng(phenomenon, n, seed, stream=2)
        pairs: list[tuple[str, str]] = []
        for _ in range(200 * n):
            if len(pairs) == n:
                break
            template, words, index, slot = self._draw_probe_position(phenomenon, rng)
            alternatives = self._alternatives(template, slot, words, index, rng)
            for alternative in alternatives:
                changed = words[:index] + [alternative] + words[index + 1:]
                if self.log_prob(changed) == -math.inf:
                    pair = (" ".join(words), " ".join(changed))
                    if pair not in pairs:
                        pairs.append(pair)
                    break
        return pairs

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _candidates(self, length: int) -> list[tuple[Template, float]]:
        lengths = self._inventory.lengths
        return [(template, float(prior)) for template, prior, possible
                in zip(self.templates, self.template_probabilities, lengths, strict=True) if length in possible]

    def _rng(self, phenomenon: str, n: int, seed: int | None, stream: int) -> np.random.Generator:
        if phenomenon not in self.phenomena:
            raise CourseError(f"unknown phenomenon {phenomenon!r}; choose one of {self.phenomena}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise CourseError(f"n must be a non-negative integer, got {n!r}")
        return self._seeded_rng([self.seed if seed is None else seed, stream, self.phenomena.index(phenomenon)])

    @staticmethod
    def _seeded_rng(seed: int | list[int]) -> np.random.Generator:
        seeds = seed if isinstance(seed, list) else [seed]
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in seeds):
            raise CourseError(f"seed must be a non-negative integer, got {seeds[0]!r}")
        return np.random.default_rng(seed)

    def _draw_probe_position(self, phenomenon: str, rng: np.random.Generator
                             ) -> tuple[Template, list[str], int, str]:
        """A line of one of the phenomenon's templates, the position of one of its probe words, its slot."""
        templates = [t for t in self.templates if t.phenomenon == phenomenon]
        weights = np.array([t.weight for t in templates])
        template = templates[rng.choice(len(templates), p=weights / weights.sum())]
        assigned = {name: column[0] for name, column in template.sample_columns(1, rng).items()}
        words, spans = template.render(assigned)
        slot = template.probe_slots[rng.integers(len(template.probe_slots))]
        return template, words, spans[slot][1] - 1, slot  # the slot's last word ("water" in "the water")

    def _alternatives(self, template: Template, slot: str, words: list[str], index: int,
                      rng: np.random.Generator) -> list[str]:
        """Words to put at `index` for a minimal pair, in random order.

        Agreement flips the verb's number; otherwise another word the same slot can write, keeping "a"/"an"
        right (so "a mouse is a mammal" pairs with "a mouse is a bird", not with "a mouse is a insect").
        """
        word = words[index]
        if template.phenomenon == "agreement" and word in _VERB_NUMBER_SWAP:
            return [_VERB_NUMBER_SWAP[word]]
        candidates = [w for w in self._inventory.slot_words[template.name, slot] if w != word]
        if index > 0 and words[index - 1] in ("a", "an"):
            candidates = [w for w in candidates if article(w) == words[index - 1]]
        return [candidates[i] for i in rng.permutation(len(candidates)).tolist()]

    def _check_positions(self, words: list[str], index: int, hidden: Sequence[int]) -> set[int]:
        positions = [index, *hidden]
        for position in positions:
            is_integer = isinstance(position, (int, np.integer)) and not isinstance(position, bool)
            if not is_integer or not -len(words) <= position < len(words):
                raise CourseError(f"position {position!r} is outside the sentence of {len(words)} words "
                                  f"(valid: 0..{len(words) - 1}): {' '.join(words)!r}")
        return {int(p) % len(words) for p in positions}

    def _impossible_message(self, words: list[str], unknown: set[int]) -> str:
        shown = " ".join("_" if i in unknown else w for i, w in enumerate(words))
        vocabulary = set(self.vocabulary)
        strangers = list(dict.fromkeys(w for i, w in enumerate(words) if i not in unknown and w not in vocabulary))
        listed = f"{strangers[:8]}" + (f" and {len(strangers) - 8} more" if len(strangers) > 8 else "")
        advice = (f"these words are not in the toy world's vocabulary: {listed} (it is lowercase, with '.' as "
                  "its own word)" if strangers else "no template writes these words in this order")
        if len(shown) > 120:  # a pasted paragraph: its start is enough to recognise it
            shown = shown[:117] + "..."
        return (f"the toy world can never write {shown!r}: {advice}. Try a generated line, e.g. "
                "world.generate(5, seed=0), and mask one of its words.")
