"""One tokenizer for several languages: whole words for the toy world, and what sampling does to the rest.

What it teaches: a multilingual model shares one vocabulary between its languages, and who gets how much of it is
decided by the data the tokenizer learns from. Two tokenizers here:

- ``multilingual_tokenizer()``: the one the course's multilingual models use. Like the course tokenizer, it gives
  every word of every toy-world language its own token (and each language tag, ``<fr>``, one too), so a masked word
  is one ``[MASK]`` and the exact posterior over words *is* the posterior over tokens in every language; any other
  word falls back to single characters. Its pre-tokeniser splits on spaces and punctuation but keeps ``'`` and ``-``
  inside words (``l'``, ``aujourd'hui``, ``dix-sept``), and its normaliser lowercases without stripping accents
  (BERT's uncased normaliser would turn ``й`` into ``и`` and ``é`` into ``e``).
- ``train_sampled_tokenizer(texts, alpha, vocab_size)``: WordPiece learned under a budget from a stream sampled with
  XLM-R's rule (``language_sampling``), as XLM-R's SentencePiece model was. ``fertility_table`` measures, for each
  ``alpha``, each language's *fertility* (tokens per word: 1.0 means whole words, more means the language is cut into
  pieces) and the share of the vocabulary it uses: with ``alpha = 1`` a small language gets few merges and many
  pieces per word; lowering ``alpha`` buys it vocabulary at the big languages' expense.

What it simplifies: frequency-score WordPiece (as ``tokenizers``' trainer and the course tokenizer) instead of a
unigram SentencePiece model; toy-world text only.
Production twin: XLM-R's 250k SentencePiece vocabulary trained on CC-100 sampled with ``alpha = 0.3``; Rust
``tokenizers`` + ``PreTrainedTokenizerFast`` for the model tokenizer (as ``fast.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from mlmcourse.tokenization.fast import MODEL_MAX_LENGTH, wrap
from mlmcourse.tokenization.wordpiece import PREFIX, SPECIAL_TOKENS, WordPieceTokenizer

_WORD = re.compile(r"<\w+>|[\w'\-]+|[^\w\s'\-]")
PUNCTUATION = r"[^\w\s'\-]"  # split off as its own word: everything but letters, digits, _, ' and -


def multilingual_words(text: str) -> list[str]:
    """Lowercase, then split into words the way the multilingual tokenizer does (a tag such as ``<fr>`` is one word).

    >>> multilingual_words("<fr> L'abeille a dix-sept ans, Ёж.")
    ['<fr>', "l'abeille", 'a', 'dix-sept', 'ans', ',', 'ёж', '.']
    """
    return _WORD.findall(text.lower())


def strip_tag(line: str) -> str:
    """A toy-world line without its language tag.

    >>> strip_tag("<de> der hund bellt ."), strip_tag("no tag here")
    ('der hund bellt .', 'no tag here')
    """
    first, _, rest = line.partition(" ")
    return rest if first.startswith("<") and first.endswith(">") else line


class MultilingualWordPiece(WordPieceTokenizer):
    """The reference WordPiece trainer with the multilingual tokenizer's words (accents kept, ``'`` and ``-`` inside)."""

    def words(self, text: str) -> list[str]:
        return multilingual_words(text)


def toy_vocabulary(languages: Sequence[str] | None = None) -> list[str]:
    """Every word the multilingual toy world can write in ``languages`` (default all), with both spellings of
    proper nouns (``anchors`` "none" and "shared"), sorted; language tags included.

    >>> words = toy_vocabulary(["ru"])
    >>> "<ru>" in words, "берлин" in words, "berlin" in words, "the" in words
    (True, True, True, False)
    """
    from mlmcourse.corpora.languages import ANCHORS, LANGUAGES
    from mlmcourse.corpora.multilingual import LanguageWorld

    words = set()
    for language in LANGUAGES if languages is None else languages:
        for anchors in ANCHORS:
            words.update(LanguageWorld(language, anchors).vocabulary)
    return sorted(words)


def build_multilingual_pipeline(vocab: Sequence[str]) -> Tokenizer:
    """A ready ``tokenizers.Tokenizer``: lowercase (accents kept), split on spaces and punctuation other than ``'`` and
    ``-``, WordPiece over ``vocab`` (id = position), with every ``<xx>`` tag of ``vocab`` kept whole.

    >>> pipeline = build_multilingual_pipeline(["[PAD]", "[UNK]", "<fr>", "l'", "école", "."])
    >>> pipeline.encode("<fr> L' École.").tokens
    ['<fr>', "l'", 'école', '.']
    """
    tokenizer = Tokenizer(models.WordPiece({token: i for i, token in enumerate(vocab)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                       pre_tokenizers.Split(Regex(PUNCTUATION), behavior="isolated")])
    tokenizer.decoder = decoders.WordPiece(prefix=PREFIX)
    tags = [token for token in vocab if re.fullmatch(r"<\w+>", token) and token not in ("<mask>",)]
    tokenizer.add_tokens([AddedToken(tag, normalized=False) for tag in tags])  # the pre-tokeniser would cut "<"
    return tokenizer


def alphabet(words: Sequence[str]) -> list[str]:
    """Every character of ``words`` as a word of its own, then every character inside a word as a ``##`` piece, in
    code-point order (as the reference trainer starts): any word spelled with these characters has a tokenization.

    >>> alphabet(["ab", "ca"])
    ['a', 'b', 'c', '##a', '##b']
    """
    first = sorted({char for word in words for char in word})
    inside = sorted({char for word in words for char in word[1:]})
    return first + [PREFIX + char for char in inside]


def multilingual_tokenizer(languages: Sequence[str] | None = None) -> PreTrainedTokenizerFast:
    """The multilingual toy world's tokenizer: special tokens, then every word (tags included) of ``languages``
    (default all, both spellings of names) as one token, then single characters for anything else.

    >>> tokenizer = multilingual_tokenizer()
    >>> tokenizer.tokenize("<ru> Париж — столица Франции.")
    ['<ru>', 'париж', '—', 'столица', 'франции', '.']
    >>> tokenizer.tokenize("<de> Gestern bellte der Dackel .")  # a word outside the toy world: characters
    ['<de>', 'gestern', 'bellte', 'der', 'd', '##a', '##c', '##k', '##e', '##l', '.']
    """
    words = [word for word in toy_vocabulary(languages) if word not in SPECIAL_TOKENS]
    characters = [piece for piece in alphabet([w for w in words if not w.startswith("<")]) if piece not in words]
    vocab = list(SPECIAL_TOKENS) + words + characters
    return wrap(build_multilingual_pipeline(vocab), "wordpiece", model_max_length=MODEL_MAX_LENGTH)


def train_sampled_tokenizer(texts_by_language: Mapping[str, Sequence[str]], alpha: float, vocab_size: int,
                            n_lines: int | None = None, seed: int = 0) -> MultilingualWordPiece:
    """WordPiece (frequency score) learned from ``n_lines`` lines (default: as many as there are) sampled with
    ``p_l ∝ n_l ** alpha``; tags are removed first, so the budget goes to the languages' own words."""
    from mlmcourse.corpora.language_sampling import sample_lines

    total = sum(len(texts) for texts in texts_by_language.values())
    stream = sample_lines(texts_by_language, alpha, total if n_lines is None else n_lines, seed)
    return MultilingualWordPiece(lowercase=False).train([strip_tag(line) for line in stream], vocab_size,
                                                        min_frequency=2, score="frequency", show_progress=False)


def fertility(tokenizer: WordPieceTokenizer, texts: Sequence[str]) -> float:
    """Tokens per word on ``texts`` (tags not counted): 1.0 when every word is one token.

    >>> tokenizer = MultilingualWordPiece().train(["low low lower"] * 3, vocab_size=17, show_progress=False)
    >>> tokenizer.tokenize("lower"), fertility(tokenizer, ["<en> low lower"])
    (['low', '##er'], 1.5)
    """
    words = [word for line in texts for word in tokenizer.words(strip_tag(line))]
    pieces = sum(len(tokenizer.tokenize(word)) for word in words)
    return pieces / len(words) if words else float("nan")


def fertility_table(train_texts: Mapping[str, Sequence[str]], eval_texts: Mapping[str, Sequence[str]],
                    alphas: Sequence[float], vocab_size: int, n_lines: int | None = None,
                    seed: int = 0) -> list[dict[str, float | str]]:
    """For each ``alpha``: a tokenizer trained on ``train_texts`` sampled with it, and per language its sampling
    probability, its fertility on ``eval_texts`` and the share of the vocabulary (special tokens excepted) its
    text uses. Rows: ``{"alpha", "language", "probability", "fertility", "vocab_share"}``."""
    from mlmcourse.corpora.language_sampling import sampling_probabilities

    probabilities_of = {alpha: sampling_probabilities({k: len(v) for k, v in train_texts.items()}, alpha)
                        for alpha in alphas}
    rows: list[dict[str, float | str]] = []
    for alpha in alphas:
        tokenizer = train_sampled_tokenizer(train_texts, alpha, vocab_size, n_lines, seed)
        learned = len(tokenizer.vocab) - len(tokenizer.special_tokens)
        for language, texts in eval_texts.items():
            used = {piece for line in texts for piece in tokenizer.tokenize(strip_tag(line))}
            rows.append({"alpha": alpha, "language": language, "probability": probabilities_of[alpha][language],
                         "fertility": fertility(tokenizer, texts), "vocab_share": len(used) / learned})
    return rows
