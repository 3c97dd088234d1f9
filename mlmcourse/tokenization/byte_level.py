"""Byte-level pre-tokenisation, GPT-2 / RoBERTa style: split text into words, then words into bytes.

What it teaches: a byte-level tokenizer never meets an unknown character. Every text is UTF-8 bytes, and there are
only 256 of those, so the 256 bytes are the starting alphabet and BPE merges them into longer pieces. To keep tokens
printable, each byte is shown as one visible character (GPT-2's trick): printable bytes stand for themselves and the
others are shifted past U+0100, so the space byte shows as ``Ġ`` and the newline as ``Ċ``.

Before the bytes, GPT-2 splits text into "words" with one regular expression: English contractions (``'s``),
runs of letters, runs of numbers, runs of other symbols (each optionally with one leading space, which is how
``Ġ`` ends up at the start of a word's first piece) and runs of whitespace.

What it simplifies: nothing on purpose; it matches ``tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)``
(RoBERTa's setting) and ``tokenizers.decoders.ByteLevel`` (tested). The pattern needs the Unicode classes
``\\p{L}`` (letters) and ``\\p{N}`` (numbers), which Python's ``re`` lacks, so they are built once from
``unicodedata``. Characters unassigned in Python's Unicode tables (newer than Python) count as symbols here.

Production twin: ``ByteLevel`` in Hugging Face ``tokenizers`` and the ``bytes_to_unicode`` table of OpenAI's GPT-2.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from mlmcourse.tokenization.normalization import WHITESPACE

# GPT-2's pattern, with \p{L}, \p{N} and \s spelled as {L}, {N}, {S} so that we can fill in our own classes.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[{L}]+| ?[{N}]+| ?[^{S}{L}{N}]+|[{S}]+(?![^{S}])|[{S}]+"""


@functools.cache
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table: byte value -> one printable character that stands for it.

    Printable Latin-1 bytes map to themselves; the other 68 bytes (controls, space, ...) map to U+0100 onwards.

    >>> table = bytes_to_unicode(); table[ord("a")], table[ord(" ")], table[ord("\\n")], len(set(table.values()))
    ('a', 'Ġ', 'Ċ', 256)
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {byte: chr(byte) for byte in printable}
    shifted = 0
    for byte in range(256):
        if byte not in table:
            table[byte] = chr(256 + shifted)
            shifted += 1
    return dict(sorted(table.items()))


@functools.cache
def unicode_to_bytes() -> dict[str, int]:
    """The inverse table: printable character -> byte value.

    >>> unicode_to_bytes()["Ġ"]
    32
    """
    return {char: byte for byte, char in bytes_to_unicode().items()}


def _letter_and_number_classes() -> tuple[str, str]:
    """Regex character-class bodies for \\p{L} and \\p{N}: ranges of code points by Unicode category."""
    ranges: dict[str, list[list[int]]] = {"L": [], "N": []}
    for code in range(sys.maxunicode + 1):
        major = unicodedata.category(chr(code))[0]
        if major in ranges:
            runs = ranges[major]
            if runs and runs[-1][1] == code - 1:
                runs[-1][1] = code
            else:
                runs.append([code, code])

    def body(runs: list[list[int]]) -> str:
        return "".join(re.escape(chr(low)) + (f"-{re.escape(chr(high))}" if high > low else "") for low, high in runs)

    return body(ranges["L"]), body(ranges["N"])


@functools.cache
def gpt2_regex() -> re.Pattern[str]:
    """The compiled GPT-2 split pattern (built on first use: scanning Unicode takes about half a second)."""
    letters, numbers = _letter_and_number_classes()
    whitespace = "".join(re.escape(char) for char in sorted(WHITESPACE))
    return re.compile(GPT2_PATTERN.format(L=letters, N=numbers, S=whitespace))


def gpt2_split(text: str) -> list[str]:
    """Split text into GPT-2 "words"; joining them gives the text back.

    A space sticks to the word after it; in a run of spaces the last one joins the next word.

    >>> gpt2_split("Hello world's  2024 café!!\\n")
    ['Hello', ' world', "'s", ' ', ' 2024', ' café', '!!', '\\n']
    """
    return gpt2_regex().findall(text)


def bytes_to_symbols(text: str) -> str:
    """UTF-8 bytes of ``text``, each written as its printable stand-in.

    >>> bytes_to_symbols(" café")
    'ĠcafÃ©'
    """
    table = bytes_to_unicode()
    return "".join(table[byte] for byte in text.encode("utf-8"))


def symbols_to_text(symbols: str) -> str:
    """Back from printable stand-ins to text; invalid UTF-8 (a cut multi-byte character) becomes U+FFFD.

    >>> symbols_to_text("ĠcafÃ©")
    ' café'
    """
    table = unicode_to_bytes()
    return bytes(table[char] for char in symbols).decode("utf-8", errors="replace")


def byte_level_pre_tokenize(text: str) -> list[str]:
    """GPT-2 split, then bytes as printable symbols: the "words" a byte-level BPE cuts into pieces.

    >>> byte_level_pre_tokenize("Hello world!")
    ['Hello', 'Ġworld', '!']
    """
    return [bytes_to_symbols(word) for word in gpt2_split(text)]
