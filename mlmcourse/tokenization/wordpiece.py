"""WordPiece from scratch (BERT style): ``##`` continuation pieces, merges chosen by a likelihood score.

What it teaches: WordPiece cuts each word into a first piece and continuation pieces marked ``##``
(``tokenization`` -> ``token ##ization``). Training starts from single characters and merges pairs like BPE, but it
does not pick the most *frequent* pair; it picks the pair with the highest score

    score(a, b) = count(ab) / (count(a) * count(b)),

i.e. the pair whose parts occur together far more often than chance would predict (it maximises the likelihood of
the training data under a unigram model of pieces). Rare parts that always go together merge first; ``e`` + ``##s``
waits, because ``e`` and ``##s`` are everywhere anyway. Encoding does not replay merges: it takes the longest piece
in the vocabulary that starts the word, then the longest ``##`` piece that continues it, and so on; if a word cannot
be covered, the whole word becomes ``[UNK]``.

What it simplifies: Google never published its WordPiece trainer; this one follows the score as the Hugging Face
course describes it. ``tokenizers.trainers.WordPieceTrainer`` does something else: it learns BPE merges by frequency
and keeps only the vocabulary, so the two vocabularies differ by design (the notebook measures by how much). The
encoder, normaliser and pre-tokeniser match ``tokenizers.models.WordPiece`` + ``BertNormalizer`` +
``BertPreTokenizer`` exactly (tested with the same vocabulary). Training is deterministic: ties go to the pair with
the higher count, then to the smaller ids; ids are the special tokens, then characters, then ``##`` characters,
each group in code-point order, then the merged pieces in the order learned.

Production twin: ``tokenizers.models.WordPiece`` (BERT's ``WordpieceTokenizer``); the trainer follows the
likelihood score of Schuster & Nakajima (2012) as used for BERT.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from mlmcourse.errors import CourseError
from mlmcourse.progress import tqdm
from mlmcourse.tokenization.bpe import Pair, add_token, check_ids, count_pairs, merge_in_word
from mlmcourse.tokenization.normalization import bert_words

PREFIX = "##"
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
SCORES = ("likelihood", "frequency")


def pair_score(pair_count: int, left_count: int, right_count: int) -> float:
    """WordPiece's merge score: how much more often the two pieces occur together than independently.

    >>> pair_score(pair_count=20, left_count=100, right_count=40), pair_score(pair_count=2, left_count=2, right_count=2)
    (0.005, 0.5)
    """
    return pair_count / (left_count * right_count)


def join_pieces(left: str, right: str) -> str:
    """The token made by merging two pieces: the right piece loses its ``##``, the left one keeps its own.

    >>> join_pieces("un", "##able"), join_pieces("##iz", "##ation")
    ('unable', '##ization')
    """
    return left + right.removeprefix(PREFIX)


def greedy_longest_match(word: str, vocab: set[str] | dict[str, int], unk_token: str = "[UNK]",
                         max_chars: int = 100) -> list[str]:
    """Cut one word into the longest vocabulary pieces, left to right; ``[UNK]`` if some part is not covered.

    >>> greedy_longest_match("unaffable", {"un", "##aff", "##able", "##a"})
    ['un', '##aff', '##able']
    >>> greedy_longest_match("unx", {"un", "##a"})
    ['[UNK]']
    """
    if len(word) > max_chars:
        return [unk_token]
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else PREFIX + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:  # not even a single character matched
            return [unk_token]
        pieces.append(piece)
        start = end
    return pieces


class WordPieceTokenizer:
    """A WordPiece tokenizer you can read: ``train(texts, vocab_size)``, ``encode(text)``, ``decode(ids)``.

    >>> tokenizer = WordPieceTokenizer().train(["low lower lowest"] * 5, vocab_size=22, show_progress=False)
    >>> tokenizer.vocab[18:], tokenizer.tokenize("Lowest LOW!")  # "!" was never seen: [UNK]
    (['##st', '##er', '##est', 'lo'], ['lo', '##w', '##est', 'lo', '##w', '[UNK]'])
    >>> tokenizer.decode(tokenizer.encode("Lowest LOW!"))
    'lowest low [UNK]'
    """

    def __init__(self, lowercase: bool = True, special_tokens: Sequence[str] = SPECIAL_TOKENS,
                 unk_token: str = "[UNK]", max_input_chars_per_word: int = 100) -> None:
        if unk_token not in special_tokens:
            raise CourseError(f"unk_token {unk_token!r} must be one of the special tokens {list(special_tokens)}")
        self.lowercase = lowercase
        self.special_tokens = list(special_tokens)
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word
        self.vocab: list[str] = list(self.special_tokens)
        self.token_to_id = {token: token_id for token_id, token in enumerate(self.vocab)}

    @classmethod
    def from_vocab(cls, vocab: Sequence[str], **options) -> WordPieceTokenizer:
        """A tokenizer that encodes with a given vocabulary (id = position), e.g. one the library trained."""
        tokenizer = cls(**options)
        missing = [token for token in tokenizer.special_tokens if token not in vocab]
        if missing:
            raise CourseError(f"the vocabulary lacks the special tokens {missing}; put them first, e.g. "
                              f"{list(SPECIAL_TOKENS)}")
        tokenizer.vocab = list(vocab)
        tokenizer.token_to_id = {token: token_id for token_id, token in enumerate(tokenizer.vocab)}
        return tokenizer

    def words(self, text: str) -> list[str]:
        """Normalise (clean, accents, lowercase) and pre-tokenise (whitespace, punctuation): BERT's words."""
        return bert_words(text, lowercase_text=self.lowercase)

    def train(self, texts: Iterable[str], vocab_size: int, min_frequency: int = 2, score: str = "likelihood",
              show_progress: bool = True) -> WordPieceTokenizer:
        """Learn pieces until the vocabulary has ``vocab_size`` tokens.

        ``score="likelihood"`` is WordPiece's count(ab) / (count(a) count(b)); ``score="frequency"`` is count(ab),
        i.e. BPE with ``##`` pieces, which is what ``tokenizers.trainers.WordPieceTrainer`` does. Pairs seen fewer
        than ``min_frequency`` times are never merged (with the likelihood score a pair seen once can score highest,
        so the default 2 keeps one-off strings out).
        """
        if score not in SCORES:
            raise CourseError(f"score={score!r} is not one of {SCORES}; use 'likelihood' (WordPiece) or "
                              f"'frequency' (BPE-style, like the tokenizers library)")
        word_counts = Counter(word for text in texts for word in self.words(text))
        first_chars = {char for word in word_counts for char in word}  # any character may start a word
        continuation_chars = {char for word in word_counts for char in word[1:]}
        alphabet = sorted(first_chars) + [PREFIX + char for char in sorted(continuation_chars)]
        self.vocab = self.special_tokens + [token for token in alphabet if token not in self.special_tokens]
        self.token_to_id = {token: token_id for token_id, token in enumerate(self.vocab)}
        if vocab_size < len(self.vocab):
            raise CourseError(f"vocab_size={vocab_size} is smaller than the {len(self.vocab)} special tokens and "
                              f"characters the corpus needs; ask for more (e.g. {len(self.vocab) + 1000})")

        words = [[self.token_to_id[word[0]]] + [self.token_to_id[PREFIX + char] for char in word[1:]]
                 for word in word_counts]
        counts = list(word_counts.values())
        token_counts: Counter[int] = Counter()
        for word, count in zip(words, counts, strict=True):
            for token_id in word:
                token_counts[token_id] += count
        pair_counts, where = count_pairs(words, counts)
        pairs_of_token: dict[int, set[Pair]] = defaultdict(set)  # to re-score pairs when a part's count drops
        for left, right in pair_counts:
            pairs_of_token[left].add((left, right))
            pairs_of_token[right].add((left, right))

        def entry(pair: Pair) -> tuple[float, int, Pair]:
            if score == "frequency":
                value = float(pair_counts[pair])
            else:
                value = pair_score(pair_counts[pair], token_counts[pair[0]], token_counts[pair[1]])
            return (-value, -pair_counts[pair], pair)  # heapq pops the smallest: best score, then most frequent

        # A lazy max-heap: an entry can be stale; it is re-scored when it reaches the top. Every time a score
        # can rise (a part's count falls, or the pair gains occurrences) a fresh entry is pushed, so the first
        # up-to-date entry at the top is the true best pair.
        threshold = max(1, min_frequency)
        heap = [entry(pair) for pair, count in pair_counts.items() if count >= threshold]
        heapq.heapify(heap)
        progress = tqdm(total=vocab_size - len(self.vocab), desc="WordPiece merges", disable=not show_progress)
        while len(self.vocab) < vocab_size and heap:
            stored = heapq.heappop(heap)
            pair = stored[2]
            if pair_counts[pair] < threshold:
                continue
            current = entry(pair)
            if current != stored:
                heapq.heappush(heap, current)
                continue
            new_id = self._add_token(join_pieces(self.vocab[pair[0]], self.vocab[pair[1]]))
            new_pairs: set[Pair] = set()
            for index in list(where[pair]):
                word, count = words[index], counts[index]
                length_before = len(word)
                for changed_pair, delta in merge_in_word(word, pair, new_id):
                    pair_counts[changed_pair] += delta * count
                    if delta > 0:
                        where[changed_pair].add(index)
                        new_pairs.add(changed_pair)
                merged = length_before - len(word)
                token_counts[pair[0]] -= merged * count
                token_counts[pair[1]] -= merged * count
                token_counts[new_id] += merged * count
            pair_counts[pair] = 0  # every occurrence was merged
            del where[pair]
            for new_pair in new_pairs:
                pairs_of_token[new_pair[0]].add(new_pair)
                pairs_of_token[new_pair[1]].add(new_pair)
            rescored = new_pairs
            if score == "likelihood":  # the parts got rarer, so every pair containing them scores higher now
                rescored = new_pairs | pairs_of_token[pair[0]] | pairs_of_token[pair[1]]
            for other in rescored:
                if pair_counts[other] >= threshold:
                    heapq.heappush(heap, entry(other))
            progress.update(1)
        progress.close()
        return self

    def _add_token(self, token: str) -> int:
        return add_token(self.vocab, self.token_to_id, token)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def tokenize(self, text: str) -> list[str]:
        """Text -> pieces, e.g. ``"Tokenization!"`` -> ``['token', '##ization', '!']`` (vocabulary permitting)."""
        return [piece for word in self.words(text)
                for piece in greedy_longest_match(word, self.token_to_id, self.unk_token,
                                                  self.max_input_chars_per_word)]

    def encode(self, text: str) -> list[int]:
        """Text -> ids (no ``[CLS]``/``[SEP]``: the fast tokenizer's post-processor adds those)."""
        return [self.token_to_id[piece] for piece in self.tokenize(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Ids -> text: ``##`` pieces are glued to the piece before, words are separated by one space."""
        ids = check_ids(ids, len(self.vocab))
        text = ""
        for token in (self.vocab[token_id] for token_id in ids):
            if token.startswith(PREFIX) and text:
                text += token.removeprefix(PREFIX)
            else:
                text += (" " if text else "") + token
        return text
