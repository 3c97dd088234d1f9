"""Byte-level BPE from scratch (GPT-2 / RoBERTa style): train merges, encode, decode.

What it teaches: byte-pair encoding starts from the 256 bytes and, again and again, fuses the most frequent
adjacent pair of symbols into a new symbol, until the vocabulary has the size we asked for. The list of merges
*is* the tokenizer: encoding a word replays the merges in the order they were learned.

Training counts pairs inside pre-tokenised words (weighted by how often each word occurs) and never across word
boundaries. After a merge only the words that contained the pair change, and in them only the neighbours of each
merged occurrence: ``(prev, a)`` becomes ``(prev, ab)`` and ``(b, next)`` becomes ``(ab, next)``. Updating just those
counts (instead of recounting everything) and keeping the candidates in a heap makes training fast enough to read.

What it simplifies: no special tokens (the fast path in ``mlmcourse.tokenization.fast`` adds them), no dropout,
no cache limits. Otherwise it follows ``tokenizers.trainers.BpeTrainer`` decision for decision, so both learn the
same merges: the 256 byte symbols are numbered in the order of their printable characters, the most frequent pair
wins, ties go to the pair with the smaller ids, overlapping pairs (``a a a``) count twice as the library counts
them, and a merge that rebuilds an existing token reuses its id (tested on pydocs: identical merges and encodings).

Production twin: ``tokenizers.models.BPE`` + ``BpeTrainer`` with ``pre_tokenizers.ByteLevel(add_prefix_space=False)``
(RoBERTa); compare karpathy/minbpe's ``BasicTokenizer`` for the smallest version of the same idea.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable

from mlmcourse.errors import CourseError
from mlmcourse.progress import tqdm
from mlmcourse.tokenization.byte_level import byte_level_pre_tokenize, bytes_to_unicode, symbols_to_text
from mlmcourse.tokenization.normalization import lowercase

Pair = tuple[int, int]
Change = tuple[Pair, int]  # (pair, +1 or -1): one adjacency appeared or disappeared

# The starting vocabulary: the 256 byte symbols, numbered in the order of their printable characters.
BYTE_ALPHABET: list[str] = sorted(bytes_to_unicode().values())


def merge(ids: list[int], pair: Pair, new_id: int) -> list[int]:
    """Replace every occurrence of ``pair`` in ``ids`` by ``new_id``, scanning left to right.

    >>> merge([1, 2, 3, 1, 2], (1, 2), 4)
    [4, 3, 4]
    """
    merged: list[int] = []
    position = 0
    while position < len(ids):
        if position + 1 < len(ids) and (ids[position], ids[position + 1]) == pair:
            merged.append(new_id)
            position += 2
        else:
            merged.append(ids[position])
            position += 1
    return merged


def merge_in_word(word: list[int], pair: Pair, new_id: int) -> list[Change]:
    """Merge ``pair`` inside ``word`` (in place) and return how the neighbouring pairs changed.

    For each occurrence: the pair on its left ``(prev, a)`` is replaced by ``(prev, new)`` and the pair on its right
    ``(b, next)`` by ``(new, next)``. The merged pair itself is not listed (its count is no longer needed).

    >>> word = [1, 2, 3, 1, 2]; merge_in_word(word, (1, 2), 4), word
    ([((2, 3), -1), ((4, 3), 1), ((3, 1), -1), ((3, 4), 1)], [4, 3, 4])
    """
    first, second = pair
    changes: list[Change] = []
    position = 0
    while position < len(word):
        if position + 1 < len(word) and word[position] == first and word[position + 1] == second:
            if position > 0:
                changes += [((word[position - 1], first), -1), ((word[position - 1], new_id), 1)]
            word[position:position + 2] = [new_id]
            if position + 1 < len(word):
                changes += [((second, word[position + 1]), -1), ((new_id, word[position + 1]), 1)]
        position += 1
    return changes


def count_pairs(words: list[list[int]], counts: list[int]) -> tuple[Counter[Pair], dict[Pair, set[int]]]:
    """Count adjacent pairs over all words (weighted by word count) and remember which words hold each pair.

    >>> pair_counts, where = count_pairs([[1, 2, 3], [1, 2]], [10, 1]); dict(pair_counts), where[(1, 2)]
    ({(1, 2): 11, (2, 3): 10}, {0, 1})
    """
    pair_counts: Counter[Pair] = Counter()
    where: dict[Pair, set[int]] = defaultdict(set)
    for index, (word, count) in enumerate(zip(words, counts, strict=True)):
        for pair in itertools.pairwise(word):
            pair_counts[pair] += count
            where[pair].add(index)
    return pair_counts, where


def add_token(vocab: list[str], token_to_id: dict[str, int], token: str) -> int:
    """The id of ``token``, appending it to the vocabulary if it is new (two merges can spell the same token).

    >>> vocab, ids = ["a", "b"], {"a": 0, "b": 1}
    >>> add_token(vocab, ids, "ab"), add_token(vocab, ids, "a"), vocab
    (2, 0, ['a', 'b', 'ab'])
    """
    if token not in token_to_id:
        token_to_id[token] = len(vocab)
        vocab.append(token)
    return token_to_id[token]

def check_ids(ids: Iterable[int], vocab_size: int) -> list[int]:
    """The ids as a list, or a clear error naming the ones outside ``0..vocab_size-1``.

    >>> check_ids((2, 0), vocab_size=3)
    [2, 0]
    """
    ids = list(ids)
    unknown = [token_id for token_id in ids if not 0 <= token_id < vocab_size]
    if unknown:
        raise CourseError(f"token ids {unknown[:5]} are not in this vocabulary of {vocab_size} tokens "
                          f"(valid ids: 0..{vocab_size - 1}); decode ids made by this tokenizer's encode()")
    return ids


class BPETokenizer:
    """A byte-level BPE tokenizer you can read: ``train(texts, vocab_size)``, ``encode(text)``, ``decode(ids)``.

    >>> tokenizer = BPETokenizer().train(["low lower lowest"] * 5, vocab_size=262, show_progress=False)
    >>> tokenizer.merges_as_tokens()[:3], tokenizer.tokenize("lowest low"), tokenizer.encode("low")
    ([('l', 'o'), ('lo', 'w'), ('Ġ', 'low')], ['low', 'e', 'st', 'Ġlow'], [257])
    >>> tokenizer.decode(tokenizer.encode("lowest low"))
    'lowest low'
    """

    def __init__(self, lowercase: bool = False) -> None:
        self.lowercase = lowercase
        self.vocab: list[str] = list(BYTE_ALPHABET)  # id -> token, bytes written as printable characters
        self.merges: list[tuple[Pair, int]] = []  # ((left id, right id), new id) in the order learned
        self._refresh()

    def _refresh(self) -> None:
        self.token_to_id = {token: token_id for token_id, token in enumerate(self.vocab)}
        # A pair learned twice keeps its later rank, as in the library's model (a dict built from the list).
        self.ranks = {pair: (rank, new_id) for rank, (pair, new_id) in enumerate(self.merges)}
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def normalize(self, text: str) -> str:
        """GPT-2 leaves text as it is; with ``lowercase=True`` it is lowercased first."""
        return lowercase(text) if self.lowercase else text

    def pre_tokenize(self, text: str) -> list[str]:
        """Words as byte symbols, e.g. ``"Hi there"`` -> ``['Hi', 'Ġthere']``."""
        return byte_level_pre_tokenize(self.normalize(text))

    def train(self, texts: Iterable[str], vocab_size: int, min_frequency: int = 0,
              show_progress: bool = True) -> BPETokenizer:
        """Learn merges until the vocabulary has ``vocab_size`` tokens (or no pair occurs ``min_frequency`` times)."""
        if vocab_size < len(BYTE_ALPHABET):
            raise CourseError(f"vocab_size={vocab_size} is smaller than the 256 byte symbols every byte-level "
                              f"vocabulary starts with; ask for at least 256 (e.g. 1000)")
        word_counts = Counter(word for text in texts for word in self.pre_tokenize(text))
        self.vocab, self.merges = list(BYTE_ALPHABET), []
        self._refresh()
        words = [[self.token_to_id[symbol] for symbol in word] for word in word_counts]
        counts = list(word_counts.values())
        pair_counts, where = count_pairs(words, counts)

        # Max-heap by count, then smallest pair (heapq is a min-heap: store -count). Entries go stale when counts
        # change; a stale entry is pushed back with its current count when it reaches the top.
        tiebreak = itertools.count()
        heap = [(-count, pair, next(tiebreak), where[pair]) for pair, count in pair_counts.items() if count > 0]
        heapq.heapify(heap)
        progress = tqdm(total=vocab_size - len(self.vocab), desc="BPE merges", disable=not show_progress)
        while len(self.vocab) < vocab_size and heap:
            negative_count, pair, _, positions = heapq.heappop(heap)
            if -negative_count != pair_counts[pair]:
                heapq.heappush(heap, (-pair_counts[pair], pair, next(tiebreak), positions))
                continue
            if pair_counts[pair] < 1 or pair_counts[pair] < min_frequency:
                break
            new_id = self._add_token(self.vocab[pair[0]] + self.vocab[pair[1]])
            self.merges.append((pair, new_id))
            new_pairs: dict[Pair, set[int]] = defaultdict(set)
            for index in positions:
                for changed_pair, delta in merge_in_word(words[index], pair, new_id):
                    pair_counts[changed_pair] += delta * counts[index]
                    if delta > 0:
                        new_pairs[changed_pair].add(index)
            for new_pair, new_positions in new_pairs.items():
                if pair_counts[new_pair] > 0:
                    heapq.heappush(heap, (-pair_counts[new_pair], new_pair, next(tiebreak), new_positions))
            progress.update(1)
        progress.close()
        self._refresh()
        return self

    def _add_token(self, token: str) -> int:
        return add_token(self.vocab, self.token_to_id, token)

    def encode_word(self, word: str) -> list[int]:
        """Replay the merges on one pre-tokenised word: always apply the earliest-learned pair present.

        >>> BPETokenizer().encode_word("Ġa")  # no merges learned: one id per byte symbol
        [220, 64]
        """
        if word not in self._cache:
            ids = [self.token_to_id[symbol] for symbol in word]
            while len(ids) > 1:
                learned = [self.ranks[pair] for pair in itertools.pairwise(ids) if pair in self.ranks]
                if not learned:
                    break
                rank, new_id = min(learned)
                ids = merge(ids, self.merges[rank][0], new_id)
            self._cache[word] = ids
        return list(self._cache[word])

    def encode(self, text: str) -> list[int]:
        """Text -> token ids. Nothing is ever unknown: an unseen character is spelled as its UTF-8 bytes."""
        return [token_id for word in self.pre_tokenize(text) for token_id in self.encode_word(word)]

    def tokenize(self, text: str) -> list[str]:
        """Text -> tokens as printable strings, e.g. ``['Hello', 'Ġworld']``."""
        return [self.vocab[token_id] for token_id in self.encode(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Token ids -> text: join the tokens' bytes and read them as UTF-8."""
        ids = check_ids(ids, len(self.vocab))
        return symbols_to_text("".join(self.vocab[token_id] for token_id in ids))

    def merges_as_tokens(self) -> list[tuple[str, str]]:
        """The merges as token strings in rank order, as ``tokenizer.json`` lists them (``["Ġ", "t"]``, ...)."""
        by_rank = sorted((rank, pair) for pair, (rank, _) in self.ranks.items())
        return [(self.vocab[left], self.vocab[right]) for _, (left, right) in by_rank]
