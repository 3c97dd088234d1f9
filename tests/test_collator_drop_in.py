"""MLMCollator as a drop-in for DataCollatorForLanguageModeling's masked-LM path, on the library's own test cases.

The cases mirror ``tests/trainer/test_data_collator.py`` in transformers (its ``DataCollatorForLanguageModeling``,
whole-word, NSP and SOP classes), rewritten here to run offline with the same tiny tokenizer: a vocabulary of the
five BERT special tokens only, fed token ids 0..9, so ids 5..9 lie past ``len(tokenizer)``. Each case runs BOTH
collators on the same inputs and asserts the same things of both, then compares what they return (type, keys,
shapes, dtypes). Where a library assertion holds only for a lucky seed (every chosen token shown as [MASK]), the
case sets ``mask_replace_prob=1`` so that it holds by construction for both.
"""

from __future__ import annotations

import copy
import inspect
import math
import warnings

import numpy as np
import pytest
import torch
from transformers import BatchEncoding, BertTokenizer, BertTokenizerFast, DataCollatorForLanguageModeling

from mlmcourse.errors import CourseError
from mlmcourse.masking import MLMCollator
from mlmcourse.masking.strategies import select_whole_words
from mlmcourse.masking.words import starts_from_offsets, starts_from_word_ids

SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
BOTH = pytest.mark.parametrize("collator_class", [DataCollatorForLanguageModeling, MLMCollator],
                               ids=["huggingface", "ours"])


@pytest.fixture
def vocab_file(tmp_path) -> str:
    path = tmp_path / "vocab.txt"
    path.write_text("".join(token + "\n" for token in SPECIALS))
    return str(path)


@pytest.fixture
def tokenizer(vocab_file) -> BertTokenizer:
    return BertTokenizer(vocab_file)


def make(collator_class, tokenizer, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn that whole-word masking shows every chosen token as [MASK]
        return collator_class(tokenizer, **options)


def no_pad_features():
    return [{"input_ids": list(range(10))}, {"input_ids": list(range(10))}]


def pad_features():
    return [{"input_ids": list(range(5))}, {"input_ids": list(range(10))}]


def assert_masked_and_labelled(batch, tokenizer) -> None:
    """The library's assertion: something is masked and only masked positions carry a label."""
    masked = batch["input_ids"] == tokenizer.mask_token_id
    assert masked.any()
    assert (batch["labels"][~masked] == -100).all()


# ---- the signature --------------------------------------------------------------------------------------------


def test_same_keywords_in_the_same_order_with_the_same_defaults():
    theirs = list(inspect.signature(DataCollatorForLanguageModeling).parameters.values())
    ours = list(inspect.signature(MLMCollator).parameters.values())
    assert [(p.name, p.default) for p in ours[:len(theirs)]] == [(p.name, p.default) for p in theirs]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in ours[len(theirs):])  # the course's extras


def test_positional_arguments_land_where_the_library_puts_them(tokenizer):
    ours = MLMCollator(tokenizer, True, False, 0.3, 0.5, 0.2, 8, "np", 7)
    assert (ours.mlm, ours.whole_word_mask, ours.mlm_probability, ours.pad_to_multiple_of, ours.return_tensors,
            ours.seed) == (True, False, 0.3, 8, "np", 7)
    assert (ours.config.mask_replace_prob, ours.config.random_replace_prob) == (0.5, 0.2)


def test_causal_lm_is_a_clear_error(tokenizer):
    DataCollatorForLanguageModeling(tokenizer, mlm=False)(no_pad_features())  # the library's causal-LM path
    with pytest.raises(CourseError, match=r"mlm=True\) only.*DataCollatorForLanguageModeling\(tokenizer, mlm=False\)"):
        MLMCollator(tokenizer, mlm=False)


def test_an_unknown_framework_is_a_clear_error(tokenizer):
    with pytest.raises(ValueError, match="not recognized"):
        DataCollatorForLanguageModeling(tokenizer)(no_pad_features(), return_tensors="tf")
    with pytest.raises(CourseError, match="return_tensors must be 'pt' .* or 'np'"):
        MLMCollator(tokenizer)(no_pad_features(), return_tensors="tf")


# ---- TestDataCollatorForLanguageModeling ------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize("features, options, shape", [
    (no_pad_features(), {}, (2, 10)),
    (pad_features(), {}, (2, 10)),
    (no_pad_features(), {"pad_to_multiple_of": 8}, (2, 16)),
    (pad_features(), {"pad_to_multiple_of": 8}, (2, 16)),
    ([list(range(10)), list(range(10))], {}, (2, 10)),  # raw lists, not dicts
    ([list(range(5)), list(range(10))], {"pad_to_multiple_of": 8}, (2, 16)),
], ids=["no-pad", "pad", "no-pad-multiple-8", "pad-multiple-8", "lists", "lists-pad-multiple-8"])
def test_mlm_mode(collator_class, tokenizer, features, options, shape):
    torch.manual_seed(42)
    batch = make(collator_class, tokenizer, mask_replace_prob=1.0, random_replace_prob=0.0, **options)(features)
    assert tuple(batch["input_ids"].shape) == tuple(batch["labels"].shape) == shape
    assert_masked_and_labelled(batch, tokenizer)
    chosen = batch["labels"] != -100
    assert not torch.isin(batch["labels"][chosen], torch.tensor(tokenizer.all_special_ids)).any()


@BOTH
def test_seed_reproducibility(collator_class, tokenizer):
    features = [{"input_ids": list(range(1000))}, {"input_ids": list(range(1000))}]
    first = make(collator_class, tokenizer, seed=42)(features)
    again = make(collator_class, tokenizer, seed=42)(features)
    other = make(collator_class, tokenizer, seed=43)(features)
    assert torch.equal(first["input_ids"], again["input_ids"]) and torch.equal(first["labels"], again["labels"])
    assert not torch.equal(first["input_ids"], other["input_ids"])


@BOTH
def test_seeded_multiworker_dataloader(collator_class, tokenizer):
    features = [{"input_ids": list(range(1000))} for _ in range(10)]

    def batches(seed: int) -> torch.Tensor:
        loader = torch.utils.data.DataLoader(features, batch_size=2, num_workers=2,
                                             generator=torch.Generator().manual_seed(42),
                                             collate_fn=make(collator_class, tokenizer, seed=seed))
        return torch.stack([batch["input_ids"] for batch in loader])

    result = batches(42)
    assert result.shape == (5, 2, 1000)
    assert torch.equal(result, batches(42)) and not torch.equal(result, batches(43))
    assert not torch.equal(result[0, 0], result[1, 0])  # the two workers draw different masks


@BOTH
def test_missing_pad_token_is_an_error_when_padding_is_needed(collator_class, tokenizer):
    tokenizer.pad_token = None
    with pytest.raises(ValueError):
        make(collator_class, tokenizer)(pad_features())
    rows = [list(range(10)), list(range(10))]
    assert make(collator_class, tokenizer)(rows)["input_ids"].shape == (2, 10)  # nothing to pad: no pad token needed


@BOTH
def test_numpy_output(collator_class, tokenizer):
    batch = make(collator_class, tokenizer, return_tensors="np", mask_replace_prob=1.0, random_replace_prob=0.0,
                 seed=0)(no_pad_features())
    assert isinstance(batch["input_ids"], np.ndarray) and isinstance(batch["labels"], np.ndarray)
    assert batch["input_ids"].shape == batch["labels"].shape == (2, 10)
    assert batch["input_ids"].dtype == batch["labels"].dtype == np.int64
    assert np.any(batch["input_ids"] == tokenizer.mask_token_id)
    assert (batch["labels"][batch["input_ids"] != tokenizer.mask_token_id] == -100).all()


@BOTH
@pytest.mark.parametrize("return_tensors", ["pt", "np"])
def test_immutability(collator_class, tokenizer, return_tensors):
    for features in (no_pad_features(), pad_features(),
                     [{"input_ids": torch.arange(10)}, {"input_ids": torch.arange(5)}],
                     [{"input_ids": np.arange(10), "labels": np.array([1])}] * 2):
        original = copy.deepcopy(features)
        make(collator_class, tokenizer, return_tensors=return_tensors)(features)
        for before, after in zip(original, features, strict=True):
            assert before.keys() == after.keys()
            for key in before:
                assert np.asarray(before[key]).tolist() == np.asarray(after[key]).tolist()


def test_word_ids_from_offsets_like_the_library():
    """The library's ``_calc_word_ids_and_prob_mask`` case: our word starts are its new-word positions."""
    offsets = np.array([
        [(0, 0), (0, 3), (3, 4), (5, 6), (6, 7), (8, 9)],
        [(0, 0), (0, 3), (3, 4), (5, 6), (6, 7), (0, 0)],
        [(0, 0), (0, 3), (3, 4), (0, 0), (6, 7), (0, 0)],
        [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7)],
        [(1, 1), (2, 2), (3, 4), (5, 6), (7, 8), (9, 10)],
        [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
    ])
    special = np.array([[1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 1], [1, 0, 0, 1, 0, 1],
                        [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]])
    _, prob_mask = DataCollatorForLanguageModeling._calc_word_ids_and_prob_mask(offsets, special)
    ours = starts_from_offsets(torch.tensor(offsets), torch.tensor(special).bool())
    assert ours.tolist() == (~prob_mask.astype(bool)).tolist()


def test_whole_word_expansion_like_the_library():
    """The library's ``_whole_word_mask`` case: a chosen word start takes its whole word."""
    word_ids = np.array([[-1, 1, 1, 2, 2, 3], [-1, 1, 1, 2, 2, -1], [-1, 1, 1, -1, 2, -1], [1, 1, 1, 1, 1, 1],
                         [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [-1, -1, -1, -1, -1, -1]])
    chosen_starts = np.array([[0, 1, 0, 0, 0, 0], [0, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 0],
                              [0, 0, 0, 0, 0, 0], [0, 1, 0, 1, 0, 1], [0, 0, 0, 0, 0, 0]]).astype(bool)
    theirs = DataCollatorForLanguageModeling._whole_word_mask(word_ids, chosen_starts)
    starts = starts_from_word_ids(torch.tensor(word_ids))
    scores = torch.where(torch.tensor(chosen_starts), 0.0, 1.0)  # a start with score 0 < 0.5 is chosen
    ours = select_whole_words(scores, torch.tensor(word_ids) != -1, starts, 0.5)
    assert ours.tolist() == theirs.tolist()


# ---- TestDataCollatorForWholeWordMask (whole_word_mask=True) ---------------------------------------------------


def whole_word_tokenizer(vocab_file, words: int) -> tuple[BertTokenizerFast, list[str]]:
    tokenizer = BertTokenizerFast(vocab_file)
    tokens = [f"token_{i}" for i in range(words)]
    tokenizer.add_tokens(tokens)
    return tokenizer, tokens


@BOTH
@pytest.mark.parametrize("kind", ["lists", "numpy", "torch"])
def test_whole_word_mask_basic(collator_class, vocab_file, kind):
    tokenizer, tokens = whole_word_tokenizer(vocab_file, 8)
    features = [tokenizer(" ".join(tokens), return_offsets_mapping=True) for _ in range(2)]
    if kind != "lists":
        features = [feature.convert_to_tensors("np" if kind == "numpy" else "pt") for feature in features]
    for return_tensors in ("pt", "np"):
        batch = make(collator_class, tokenizer, whole_word_mask=True, return_tensors=return_tensors)(features)
        assert tuple(batch["input_ids"].shape) == tuple(batch["labels"].shape) == (2, 10)
        assert "offset_mapping" not in batch


@BOTH
def test_whole_word_mask_seed_reproducibility(collator_class, vocab_file):
    tokenizer, tokens = whole_word_tokenizer(vocab_file, 998)
    features = [tokenizer(" ".join(tokens), return_offsets_mapping=True) for _ in range(2)]
    first = make(collator_class, tokenizer, whole_word_mask=True, seed=42, return_tensors="np")(features)
    again = make(collator_class, tokenizer, whole_word_mask=True, seed=42, return_tensors="np")(features)
    other = make(collator_class, tokenizer, whole_word_mask=True, seed=43, return_tensors="np")(features)
    np.testing.assert_array_equal(first["input_ids"], again["input_ids"])
    assert not np.all(first["input_ids"] == other["input_ids"])


@BOTH
def test_whole_word_mask_shows_every_chosen_token_as_mask(collator_class, vocab_file):
    tokenizer, tokens = whole_word_tokenizer(vocab_file, 998)
    features = [tokenizer(" ".join(tokens), return_offsets_mapping=True) for _ in range(4)]
    batch = make(collator_class, tokenizer, whole_word_mask=True, seed=0)(features)
    chosen = batch["labels"] != -100
    assert chosen.sum() > 300  # about 15% of 4 x 998
    assert (batch["input_ids"][chosen] == tokenizer.mask_token_id).all()  # no random, no kept token


def test_whole_word_mask_warns_like_the_library(vocab_file):
    tokenizer, _ = whole_word_tokenizer(vocab_file, 8)
    with pytest.warns(UserWarning, match="mask_replace_prob to 1"):
        DataCollatorForLanguageModeling(tokenizer, whole_word_mask=True)
    with pytest.warns(UserWarning, match="every token of a chosen word by the mask token"):
        MLMCollator(tokenizer, whole_word_mask=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about when [MASK] everywhere was asked for
        MLMCollator(tokenizer, whole_word_mask=True, mask_replace_prob=1.0, random_replace_prob=0.0)


def test_the_course_whole_word_strategy_keeps_80_10_10(vocab_file):
    tokenizer, tokens = whole_word_tokenizer(vocab_file, 998)
    features = [tokenizer(" ".join(tokens), return_offsets_mapping=True) for _ in range(8)]
    batch = MLMCollator(tokenizer, strategy="whole_word", seed=0)(features)
    chosen = batch["labels"] != -100
    as_mask = int((batch["input_ids"][chosen] == tokenizer.mask_token_id).sum())
    n = int(chosen.sum())
    assert abs(as_mask - 0.8 * n) <= 4 * math.sqrt(n * 0.8 * 0.2)


# ---- TestNextSentencePrediction / TestSentenceOrderPrediction ----------------------------------------------------


@BOTH
@pytest.mark.parametrize("label", ["next_sentence_label", "sentence_order_label"])
@pytest.mark.parametrize("as_tensors", [False, True], ids=["lists", "tensors"])
def test_sentence_pair_labels_pass_through(collator_class, tokenizer, label, as_tensors):
    def features():
        made = [{"input_ids": [0, 1, 2, 3, 4], "token_type_ids": [0, 1, 2, 3, 4], label: i} for i in range(2)]
        return [{key: torch.tensor(value) if as_tensors else value for key, value in f.items()} for f in made]

    batch = make(collator_class, tokenizer)(features())
    assert batch["input_ids"].shape == batch["token_type_ids"].shape == batch["labels"].shape == (2, 5)
    assert batch[label].shape == (2,) and batch[label].tolist() == [0, 1]
    assert (batch["labels"] == -100).all()  # every id 0..4 is special: nothing to mask
    batch = make(collator_class, tokenizer, pad_to_multiple_of=8)(features())
    assert batch["input_ids"].shape == batch["token_type_ids"].shape == batch["labels"].shape == (2, 8)
    batch = make(collator_class, tokenizer, return_tensors="np")(features())
    assert batch["input_ids"].shape == (2, 5) and batch[label].shape == (2,)


# ---- both collators side by side: what they return ---------------------------------------------------------


def describe(batch) -> dict:
    return {key: (type(value).__name__, str(value.dtype), tuple(value.shape)) for key, value in batch.items()}


@pytest.mark.parametrize("return_tensors", ["pt", "np"])
@pytest.mark.parametrize("kind", ["dicts", "lists", "nsp"])
def test_same_type_keys_shapes_and_dtypes(tokenizer, kind, return_tensors):
    features = {"dicts": pad_features(), "lists": [list(range(5)), list(range(10))],
                "nsp": [{"input_ids": [0, 1, 2, 3, 4], "token_type_ids": [0, 1, 2, 3, 4], "next_sentence_label": i}
                        for i in range(2)]}[kind]
    theirs = DataCollatorForLanguageModeling(tokenizer, return_tensors=return_tensors, seed=0)(copy.deepcopy(features))
    ours = MLMCollator(tokenizer, return_tensors=return_tensors, seed=0)(copy.deepcopy(features))
    assert type(ours) is type(theirs)  # BatchEncoding for dicts, dict for lists of ids
    assert isinstance(ours, BatchEncoding) == (kind != "lists")
    extra = set(ours) - set(theirs)
    assert extra == ({"attention_mask"} if kind == "lists" else set())  # ours always says where padding is
    assert {key: describe(ours)[key] for key in theirs} == describe(theirs)
    untouched = (np.asarray(ours["labels"]) == -100) & (np.asarray(theirs["labels"]) == -100)
    assert untouched.any()
    assert (np.asarray(ours["input_ids"])[untouched] == np.asarray(theirs["input_ids"])[untouched]).all()
    if "attention_mask" in theirs:  # the same padding, on the same side
        assert np.asarray(ours["attention_mask"]).tolist() == np.asarray(theirs["attention_mask"]).tolist()


def test_ids_past_the_vocabulary_and_an_all_special_vocabulary_masked_like_the_library(tokenizer):
    """ids 5..9 are past len(tokenizer) = 5 and every id below is special: both choose only 5..9, at the same rate,
    and draw random replacements from the (all special) vocabulary 0..4."""
    features = [list(range(10))] * 400
    totals = {}
    for name, collator in (("theirs", DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.3, seed=0)),
                           ("ours", MLMCollator(tokenizer, mlm_probability=0.3, seed=0))):
        batch = collator(features)
        chosen = batch["labels"] != -100
        assert not chosen[:, :5].any()  # specials never chosen
        assert torch.equal(batch["labels"][chosen], torch.arange(10).expand(400, 10)[chosen])
        changed = chosen & (batch["input_ids"] != batch["labels"]) & (batch["input_ids"] != tokenizer.mask_token_id)
        assert (batch["input_ids"][changed] < len(tokenizer)).all()  # random ids come from the vocabulary
        totals[name] = int(chosen.sum())
    n = 400 * 5
    for count in totals.values():
        assert abs(count - 0.3 * n) <= 4 * math.sqrt(n * 0.3 * 0.7)


def test_negative_ids_are_a_clear_error(tokenizer):
    with pytest.raises(CourseError, match="token ids must be 0 or more, found -100"):
        MLMCollator(tokenizer)([[1, 7, -100], [1, 7, 8]])


def test_special_tokens_and_padding_side_by_side():
    """On a real WordPiece tokenizer with padding, neither collator chooses a special token or padding; random
    replacements differ as documented: the library draws them from the whole vocabulary (specials included), ours
    never shows a special token in their place."""
    from test_masking_tokenizers import SENTENCES, wordpiece_tokenizer

    tokenizer = wordpiece_tokenizer()
    features = [{"input_ids": ids} for ids in tokenizer(SENTENCES * 50)["input_ids"]]
    special_ids = torch.tensor(tokenizer.all_special_ids)
    replaced_by_special, n_chosen = {}, {}
    for name, collator in (("theirs", DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.5,
                                                                      mask_replace_prob=0.0, random_replace_prob=1.0,
                                                                      seed=0)),
                           ("ours", MLMCollator(tokenizer, mlm_probability=0.5, mask_replace_prob=0.0,
                                                random_replace_prob=1.0, seed=0))):
        batch = collator(features)
        chosen = batch["labels"] != -100
        assert chosen.any() and not torch.isin(batch["labels"][chosen], special_ids).any()
        assert not (chosen & (batch["attention_mask"] == 0)).any()
        replaced_by_special[name] = int(torch.isin(batch["input_ids"][chosen], special_ids).sum())
        n_chosen[name] = int(chosen.sum())
    expected = n_chosen["theirs"] * len(special_ids) / len(tokenizer)  # uniform draws over the whole vocabulary
    assert abs(replaced_by_special["theirs"] - expected) <= 4 * math.sqrt(expected) + 1
    assert replaced_by_special["ours"] == 0
