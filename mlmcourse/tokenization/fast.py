"""The fast path: train a tokenizer with Hugging Face ``tokenizers`` and get a ``transformers`` tokenizer back.

What it teaches: a production tokenizer is five parts in a row, each replaceable:
normaliser -> pre-tokeniser -> model (the vocabulary: WordPiece or BPE) -> post-processor (adds ``[CLS] ... [SEP]``)
-> decoder (turns pieces back into text). The reference trainers in ``wordpiece.py`` and ``bpe.py`` show the model
part slowly; here the Rust library trains it in a second, and ``PreTrainedTokenizerFast`` wraps the result so that
``save_pretrained`` / ``from_pretrained``, padding, ``word_ids()`` (word boundaries for whole-word masking) and
``tokenizer.mask_token`` work as for any model on the Hub.

Two recipes, as in the two model families the course compares:
- ``kind="wordpiece"`` (BERT): ``BertNormalizer`` + ``BertPreTokenizer`` + ``WordPiece``, specials
  ``[PAD] [UNK] [CLS] [SEP] [MASK]`` = ids 0..4, ``[CLS] x [SEP]``, WordPiece decoder.
- ``kind="bpe"`` (RoBERTa): ``ByteLevel(add_prefix_space=False)`` + byte-level ``BPE``, specials
  ``<s> <pad> </s> <unk> <mask>`` = ids 0..4, ``<s> x </s>``, ByteLevel decoder. ``<mask>`` swallows the space
  before it (``lstrip``), so ``"The <mask> barked"`` masks the word ``" dog"`` with its space, as in RoBERTa.

What it simplifies: ``model_max_length`` is the course's sequence length (128), not BERT's 512.
Production twin: this *is* the production path (``tokenizers`` + ``transformers``); compare the Hugging Face
course's "Building a tokenizer, block by block".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tokenizers import (
    AddedToken,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import PreTrainedTokenizerFast

from mlmcourse.errors import CourseError

KINDS = ("wordpiece", "bpe")
WORDPIECE_SPECIALS = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                      "mask_token": "[MASK]"}
BPE_SPECIALS = {"bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>",
                "mask_token": "<mask>"}
MODEL_MAX_LENGTH = 128  # the course's sequence length; BERT and RoBERTa use 512


def special_tokens(kind: str) -> list[str]:
    """The special tokens of a recipe, in id order.

    >>> special_tokens("wordpiece"), special_tokens("bpe")
    (['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'], ['<s>', '<pad>', '</s>', '<unk>', '<mask>'])
    """
    _check_kind(kind)
    return list((WORDPIECE_SPECIALS if kind == "wordpiece" else BPE_SPECIALS).values())


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise CourseError(f"kind={kind!r} is not a tokenizer kind this course trains; use 'wordpiece' (BERT) "
                          f"or 'bpe' (byte-level, RoBERTa)")


def build_pipeline(kind: str, lowercase: bool = True, vocab: Sequence[str] | None = None) -> Tokenizer:
    """An untrained (or, with ``vocab``, ready) ``tokenizers.Tokenizer`` with all five parts of the recipe set.

    ``vocab`` (WordPiece only) is a list of tokens, id = position, e.g. one made by the reference trainer.

    >>> pipeline = build_pipeline("bpe")
    >>> type(pipeline.pre_tokenizer).__name__, type(pipeline.model).__name__, type(pipeline.decoder).__name__
    ('ByteLevel', 'BPE', 'ByteLevel')
    """
    _check_kind(kind)
    if kind == "wordpiece":
        model = models.WordPiece(unk_token="[UNK]") if vocab is None else models.WordPiece(
            {token: token_id for token_id, token in enumerate(vocab)}, unk_token="[UNK]")
        tokenizer = Tokenizer(model)
        tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.decoder = decoders.WordPiece(prefix="##")
    else:
        if vocab is not None:
            raise CourseError("a BPE tokenizer needs merges as well as a vocabulary; train it with "
                              "train_tokenizer(texts, kind='bpe') instead of passing vocab=")
        tokenizer = Tokenizer(models.BPE())
        if lowercase:
            tokenizer.normalizer = normalizers.Lowercase()
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def _added_tokens(kind: str) -> list[AddedToken]:
    # RoBERTa's <mask> eats the space on its left, so "a <mask> b" gives the same pieces as "a dog b" around it.
    return [AddedToken(token, special=True, lstrip=(token == "<mask>"), normalized=False)
            for token in special_tokens(kind)]


def wrap(tokenizer: Tokenizer, kind: str, model_max_length: int = MODEL_MAX_LENGTH) -> PreTrainedTokenizerFast:
    """Add the post-processor and hand the tokenizer to ``transformers``, special tokens named.

    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "##s"]
    >>> tokenizer = wrap(build_pipeline("wordpiece", vocab=vocab), "wordpiece")
    >>> tokenizer.tokenize("The dogs"), tokenizer("The dogs").input_ids, tokenizer.mask_token_id
    (['the', 'dog', '##s'], [2, 5, 6, 7, 3], 4)
    """
    specials = _added_tokens(kind)
    tokenizer.add_special_tokens(specials)
    ids = {token.content: tokenizer.token_to_id(token.content) for token in specials}
    if kind == "wordpiece":
        tokenizer.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])])
        names = WORDPIECE_SPECIALS
    else:
        tokenizer.post_processor = processors.RobertaProcessing(
            ("</s>", ids["</s>"]), ("<s>", ids["<s>"]), trim_offsets=True, add_prefix_space=False)
        names = {**BPE_SPECIALS, "cls_token": "<s>", "sep_token": "</s>"}  # RoBERTa names them twice
    named = {name: next(token for token in specials if token.content == content) for name, content in names.items()}
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, model_max_length=model_max_length, **named)


def train_tokenizer(texts: Iterable[str], kind: str = "wordpiece", vocab_size: int = 8000, lowercase: bool = True,
                    min_frequency: int = 0, model_max_length: int = MODEL_MAX_LENGTH,
                    show_progress: bool = False) -> PreTrainedTokenizerFast:
    """Train a WordPiece (BERT) or byte-level BPE (RoBERTa) tokenizer on ``texts`` and return it ready to use.

    >>> tokenizer = train_tokenizer(["the dog barked.", "the cat sat."] * 10, vocab_size=60)
    >>> tokenizer.tokenize("The dog sat."), tokenizer("The dog sat.").input_ids[0], tokenizer.mask_token
    (['the', 'dog', 'sat', '.'], 2, '[MASK]')
    """
    _check_kind(kind)
    if isinstance(texts, str):
        raise CourseError("train_tokenizer needs a list (or any iterable) of texts, not one string; "
                          "wrap it in a list: train_tokenizer([text])")
    texts = list(texts)
    if not any(text.strip() for text in texts):
        raise CourseError("train_tokenizer got no text to learn from (all texts are empty); pass a corpus such "
                          "as load_corpus('pydocs')['train']['text']")
    smallest = len(special_tokens(kind)) + (256 if kind == "bpe" else 1)
    if vocab_size <= smallest:
        raise CourseError(f"vocab_size={vocab_size} leaves no room to learn pieces: a {kind} vocabulary starts with "
                          f"{smallest} tokens (special tokens{' + 256 bytes' if kind == 'bpe' else ''}); "
                          f"ask for more, e.g. {smallest + 1000}")
    tokenizer = build_pipeline(kind, lowercase=lowercase)
    if kind == "wordpiece":
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                            special_tokens=_added_tokens(kind), show_progress=show_progress)
    else:
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                      special_tokens=_added_tokens(kind), show_progress=show_progress,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return wrap(tokenizer, kind, model_max_length=model_max_length)
