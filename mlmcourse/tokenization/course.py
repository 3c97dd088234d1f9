"""The course tokenizer: the one WordPiece vocabulary every later notebook uses.

What it teaches: a vocabulary is a design decision, not only a training result. The course tokenizer is
1. the BERT special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]`` (ids 0..4),
2. every word of the toy world (``ToyWorld().vocabulary``), placed before anything learned, so each toy-world word is
   exactly one token: a masked word is then one ``[MASK]``, and the toy world's exact posteriors over words are
   posteriors over tokens,
3. WordPiece pieces learned on the pydocs training split (real English), so that text outside the toy world is
   still covered (fertility about 1.1 pieces per word on pydocs' validation split).
It is lowercase (BERT-uncased normaliser), adds ``[CLS] ... [SEP]``, decodes with the WordPiece decoder and has
``model_max_length = 128``, the course's sequence length.

What it simplifies: the pieces are learned by the course's own reference trainer (``wordpiece.py``) with the
frequency score, i.e. BPE-style merges with ``##`` pieces, as ``tokenizers.trainers.WordPieceTrainer`` learns them.
Two reasons: the library's trainer breaks ties in hash order, so it gives a slightly different vocabulary on every
run, and ours is deterministic; and on a corpus this small the likelihood score spends the vocabulary on strings
that occur twice (digit strings, rare names), which the notebook shows. The build is byte-for-byte reproducible for
a given Python version (pydocs is read from the running Python's own documentation), and ``build_info.json``
records what it was built from.

Production twin: ``BertTokenizerFast`` of ``bert-base-uncased`` (same recipe, 30,522 tokens learned on Wikipedia
and books); the files are Hugging Face's ``tokenizer.json`` + ``tokenizer_config.json``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from transformers import PreTrainedTokenizerFast

from mlmcourse.config import data_dir
from mlmcourse.errors import CourseError
from mlmcourse.tokenization.fast import MODEL_MAX_LENGTH, build_pipeline, wrap
from mlmcourse.tokenization.wordpiece import SPECIAL_TOKENS, WordPieceTokenizer

COURSE_VOCAB_SIZE = 6144  # 6 * 1024: a multiple of 64 keeps the output layer's matrix shapes GPU-friendly
MIN_PAIR_FREQUENCY = 2  # a pair seen once is a one-off string, not a useful piece
BUILD_INFO = "build_info.json"
REBUILD_COMMAND = "python -m mlmcourse.tokenization.course"


def course_tokenizer_dir() -> Path:
    """Where the stored course tokenizer lives: ``data/tokenizer/``."""
    return data_dir() / "tokenizer"


def course_vocabulary(corpus_texts: Iterable[str], required_words: Sequence[str],
                      vocab_size: int = COURSE_VOCAB_SIZE, show_progress: bool = True) -> list[str]:
    """Special tokens, then the required words (sorted), then pieces learned on the corpus, up to ``vocab_size``.

    >>> course_vocabulary(["low low lower"], ["zebra"], vocab_size=17, show_progress=False)
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'zebra', 'e', 'l', 'o', 'r', 'w', '##e', '##o', '##r', '##w', 'lo', 'low']
    """
    words = sorted(set(required_words) - set(SPECIAL_TOKENS))
    vocab = list(SPECIAL_TOKENS) + words
    if len(vocab) > vocab_size:
        raise CourseError(f"vocab_size={vocab_size} cannot hold the {len(SPECIAL_TOKENS)} special tokens and "
                          f"{len(words)} required words; ask for at least {len(vocab) + 1000}")
    learner = WordPieceTokenizer(lowercase=True).train(
        corpus_texts, vocab_size=vocab_size, min_frequency=MIN_PAIR_FREQUENCY, score="frequency",
        show_progress=show_progress)
    # The learned list starts with the characters, so a prefix of it always covers every character seen.
    seen = set(vocab)
    for piece in learner.vocab:
        if len(vocab) == vocab_size:
            break
        if piece not in seen:
            vocab.append(piece)
            seen.add(piece)
    return vocab


def fingerprint(texts: Iterable[str]) -> str:
    """A short hash of a list of texts, to tell whether a rebuild would read the same corpus.

    >>> fingerprint(["a", "b"]) == fingerprint(["a", "b"]) != fingerprint(["a b"])
    True
    """
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\x00")
    return digest.hexdigest()[:16]


def build_course_tokenizer(out_dir: str | Path | None = None, vocab_size: int = COURSE_VOCAB_SIZE,
                           show_progress: bool = True) -> PreTrainedTokenizerFast:
    """Build the course tokenizer from pydocs and the toy world, save it to ``out_dir`` and return it.

    ``out_dir=None`` writes the stored copy, ``data/tokenizer/``. Running it twice writes identical files.
    """
    from mlmcourse.corpora import load_corpus
    from mlmcourse.corpora.toyworld import ToyWorld

    pydocs_train = list(load_corpus("pydocs")["train"]["text"])
    toy_words = ToyWorld().vocabulary
    vocab = course_vocabulary(pydocs_train, toy_words, vocab_size=vocab_size, show_progress=show_progress)
    tokenizer = wrap(build_pipeline("wordpiece", lowercase=True, vocab=vocab), "wordpiece",
                     model_max_length=MODEL_MAX_LENGTH)
    out_dir = Path(out_dir) if out_dir is not None else course_tokenizer_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out_dir)
    info = {
        "vocab_size": len(vocab),
        "toyworld_words": len(set(toy_words)),
        "pydocs_train_paragraphs": len(pydocs_train),
        "pydocs_fingerprint": fingerprint(pydocs_train),
        "toyworld_fingerprint": fingerprint(sorted(set(toy_words))),
        "python": ".".join(platform.python_version_tuple()[:2]),
        "rebuild_with": REBUILD_COMMAND,
    }
    (out_dir / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return tokenizer


def course_tokenizer() -> PreTrainedTokenizerFast:
    """The stored course tokenizer (``data/tokenizer/``): WordPiece, lowercase, ``[MASK]``, 128 tokens per text.

    >>> course_tokenizer().tokenize("The dog barked at me.")
    ['the', 'dog', 'barked', 'at', 'me', '.']
    """
    folder = course_tokenizer_dir()
    if not (folder / "tokenizer.json").is_file():
        raise FileNotFoundError(f"the course tokenizer is missing: no {folder / 'tokenizer.json'}. Rebuild it "
                                f"(about half a minute, offline) with: {REBUILD_COMMAND}")
    return PreTrainedTokenizerFast.from_pretrained(str(folder))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlmcourse.tokenization.course [OUT_DIR]``: (re)build the course tokenizer."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(argv[0]) if argv else course_tokenizer_dir()
    tokenizer = build_course_tokenizer(out_dir)
    print(f"wrote the course tokenizer ({len(tokenizer)} tokens) to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
