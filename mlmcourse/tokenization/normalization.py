"""BERT-style normalisation and pre-tokenisation: what happens to text before any subword is chosen.

What it teaches: a tokenizer is a pipeline, and the first two steps decide a lot.
1. *Normalise*: clean the text (drop control characters, turn every kind of whitespace into a plain space),
   put spaces around Chinese characters (each becomes its own word), strip accents (``é`` -> ``e``) and lowercase.
2. *Pre-tokenise*: cut the normalised text into words on whitespace and punctuation. Subword pieces never
   cross these boundaries, and ``word_ids()`` (which whole-word masking needs) counts these words.

What it simplifies: nothing on purpose. It is written with ``str`` methods and ``unicodedata`` and matches
``tokenizers.normalizers.BertNormalizer`` + ``tokenizers.pre_tokenizers.BertPreTokenizer`` character for character
(tested). One honest difference remains: the Rust library's Unicode tables are older than Python's, so a few hundred
rare characters added to Unicode since then (new punctuation marks, new combining marks) are classified differently.

Production twin: ``BertNormalizer`` and ``BertPreTokenizer`` in Hugging Face ``tokenizers`` (and Google's original
``BasicTokenizer`` in BERT's ``tokenization.py``).
"""

from __future__ import annotations

import functools
import unicodedata

# The Unicode White_Space property (what Rust's `char::is_whitespace` tests). Python's `str.isspace` differs:
# it also counts the four information separators U+001C..U+001F.
WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
)

# The CJK ideograph blocks BERT puts spaces around (Hangul, Hiragana and Katakana are not among them: those
# scripts separate words with spaces already).
CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def is_whitespace(char: str) -> bool:
    """True for characters with the Unicode White_Space property.

    >>> [is_whitespace(c) for c in (" ", "\\u3000", "\\x1c", "a")]
    [True, True, False, False]
    """
    return char in WHITESPACE


@functools.cache  # called once per character of the corpus: remember the answers
def is_control(char: str) -> bool:
    """True for characters BERT deletes: control, format and private-use characters (tab and newlines excepted).

    >>> [is_control(c) for c in ("\\x00", "\\u200b", "\\t", "a")]
    [True, True, False, False]
    """
    if char in "\t\n\r":
        return False  # technically control characters, but they are whitespace to a reader
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


@functools.cache  # called once per character of the corpus: remember the answers
def is_punctuation(char: str) -> bool:
    """True for Unicode punctuation (categories P*) and for every ASCII symbol, like ``$`` and ``+``.

    >>> [is_punctuation(c) for c in (".", "$", "«", "a", "€")]
    [True, True, True, False, False]
    """
    if char.isascii() and char.isprintable() and not char.isalnum() and char != " ":
        return True
    return unicodedata.category(char).startswith("P")


@functools.cache  # called once per character of the corpus: remember the answers
def is_chinese_char(char: str) -> bool:
    """True for a CJK ideograph (one of the blocks in ``CJK_RANGES``).

    >>> [is_chinese_char(c) for c in ("中", "の", "a")]
    [True, False, False]
    """
    code = ord(char)
    return code >= 0x3400 and any(low <= code <= high for low, high in CJK_RANGES)


def clean_text(text: str) -> str:
    """Drop NUL, U+FFFD and control characters; turn every whitespace character into a plain space.

    >>> clean_text("a\\tb\\u200bc\\x00\\u3000d")
    'a bc d'
    """
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to clean (the only printable ASCII whitespace is " ")
    kept = []
    for char in text:
        if char in "\x00\ufffd" or is_control(char):
            continue
        kept.append(" " if is_whitespace(char) else char)
    return "".join(kept)


def space_chinese_chars(text: str) -> str:
    """Put a space on both sides of every CJK ideograph, so each becomes a word of its own.

    >>> space_chinese_chars("我爱NLP")
    ' 我  爱 NLP'
    """
    if text.isascii():
        return text
    return "".join(f" {char} " if is_chinese_char(char) else char for char in text)


def strip_accents(text: str) -> str:
    """Decompose (NFD) and drop the combining marks (category Mn): ``é`` = ``e`` + U+0301 -> ``e``.

    >>> strip_accents("Crème brûlée")
    'Creme brulee'
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def lowercase(text: str) -> str:
    """Lowercase one character at a time, as the Rust library does.

    ``str.lower`` knows that a Greek capital sigma at the end of a word becomes ``ς``; a per-character lowercase
    always gives ``σ``. The difference matters only for matching the library exactly.

    >>> lowercase("ΟΔΟΣ Straße"), "ΟΔΟΣ".lower()
    ('οδοσ straße', 'οδος')
    """
    if "Σ" not in text:
        return text.lower()  # the sigma is the only character `str.lower` treats by context
    return "".join(char.lower() for char in text)


def bert_normalize(text: str, lowercase_text: bool = True, strip_accents_text: bool | None = None,
                   clean: bool = True, handle_chinese_chars: bool = True) -> str:
    """The BERT normaliser: clean, space out CJK ideographs, strip accents, lowercase (in this order).

    ``strip_accents_text=None`` follows ``lowercase_text``, as in BERT's uncased models.

    >>> bert_normalize("Héllo,\\tWORLD! 你好")
    'hello, world!  你  好 '
    """
    if strip_accents_text is None:
        strip_accents_text = lowercase_text
    if clean:
        text = clean_text(text)
    if handle_chinese_chars:
        text = space_chinese_chars(text)
    if strip_accents_text:
        text = strip_accents(text)
    if lowercase_text:
        text = lowercase(text)
    return text


def bert_pre_tokenize(text: str) -> list[str]:
    """Split into words: whitespace separates words and disappears; each punctuation character is a word.

    >>> bert_pre_tokenize("Hey friend!   How are you?!?")
    ['Hey', 'friend', '!', 'How', 'are', 'you', '?', '!', '?']
    """
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if is_whitespace(char) or is_punctuation(char):
            if current:
                words.append("".join(current))
                current = []
            if not is_whitespace(char):
                words.append(char)
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def bert_words(text: str, lowercase_text: bool = True) -> list[str]:
    """Normalise, then pre-tokenise: the words a BERT-style WordPiece tokenizer cuts into pieces.

    >>> bert_words("Don't PANIC, Zoë.")
    ['don', "'", 't', 'panic', ',', 'zoe', '.']
    """
    normalized = bert_normalize(text, lowercase_text=lowercase_text)
    # After normalisation the only whitespace left is " ", so the text can be cut there first and each chunk
    # split once: chunks repeat ("the", "value."), which makes a whole corpus several times faster to split.
    return [word for chunk in normalized.split(" ") for word in _split_chunk(chunk)]


@functools.lru_cache(maxsize=1 << 16)
def _split_chunk(chunk: str) -> tuple[str, ...]:
    return tuple(bert_pre_tokenize(chunk))
