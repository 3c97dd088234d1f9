"""A small BERT-style WordPiece tokenizer built the same way on every run (shared by the test fixtures).

Not a test module. The ``tokenizers`` library's ``WordPieceTrainer`` breaks ties between equally frequent pairs
in hash order, so its vocabulary (and every id) can differ from one run to the next. The vocabulary here comes from
the course's deterministic reference trainer (``score="frequency"``, the library's own rule); the library only
tokenises with it, so the fixtures still exercise the real ``PreTrainedTokenizerFast`` code path.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # ids 0..4


def bert_wordpiece(texts: Sequence[str], vocab_size: int, **tokenizer_options) -> PreTrainedTokenizerFast:
    """Lowercase WordPiece with ``##`` pieces, ``[CLS] x [SEP]``, ids 0..4 = PAD UNK CLS SEP MASK."""
    from mlmcourse.tokenization import WordPieceTokenizer

    reference = WordPieceTokenizer(special_tokens=SPECIAL_TOKENS)
    reference.train(list(texts), vocab_size=vocab_size, score="frequency", show_progress=False)
    backend = Tokenizer(models.WordPiece(vocab={token: i for i, token in enumerate(reference.vocab)},
                                         unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", **tokenizer_options)
