"""MLMCollator: padding, drop-in behaviour, seeds, static masks, and statistics against Hugging Face's collator."""

from __future__ import annotations

import math
import warnings

import datasets
import pytest
import torch
from test_masking_tokenizers import SENTENCES, bpe_tokenizer, encode, wordpiece_tokenizer
from transformers import DataCollatorForLanguageModeling, DataCollatorForTokenClassification

from mlmcourse.masking import MLMCollator, eval_masks, static_mask_dataset
from mlmcourse.masking.words import word_start_positions
from mlmcourse.padding import pad_rows


def within_sigmas(successes: float, trials: int, prob: float, sigmas: float = 4.0) -> bool:
    return abs(successes - trials * prob) <= sigmas * math.sqrt(trials * prob * (1 - prob)) + 1e-9


def test_pad_rows_examples():
    assert pad_rows([[5, 6, 7], [8]], pad_value=0).tolist() == [[5, 6, 7], [8, 0, 0]]
    assert pad_rows([[5, 6, 7], [8]], pad_value=0, length=4, padding_side="left").tolist() == [
        [0, 5, 6, 7], [0, 0, 0, 8]]
    assert pad_rows([[[0, 3], [4, 7]], [[0, 2]]], pad_value=0).tolist() == [[[0, 3], [4, 7]], [[0, 2], [0, 0]]]


@pytest.mark.parametrize("kind", ["dicts", "lists", "tensors", "columns"])
def test_accepts_the_inputs_hugging_face_accepts_and_pads_like_it(kind):
    tokenizer = wordpiece_tokenizer()
    ids = tokenizer(SENTENCES)["input_ids"]
    features = {"dicts": [{"input_ids": row} for row in ids], "lists": ids,
                "tensors": [torch.tensor(row) for row in ids], "columns": {"input_ids": ids}}[kind]
    ours = MLMCollator(tokenizer, mask_prob=0.0, pad_to_multiple_of=8)(features)
    hugging_face = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.0, pad_to_multiple_of=8)(
        features if kind != "columns" else [{"input_ids": row} for row in ids])
    assert ours["input_ids"].shape[1] % 8 == 0
    assert torch.equal(ours["input_ids"], hugging_face["input_ids"])
    assert torch.equal(ours["labels"], hugging_face["labels"])  # all -100
    assert torch.equal(ours["attention_mask"], (ours["input_ids"] != tokenizer.pad_token_id).long())
    assert all(value.dtype == torch.long for value in ours.values())


def test_left_padding_and_passthrough_keys():
    tokenizer = wordpiece_tokenizer()
    tokenizer.padding_side = "left"
    try:
        encoding = tokenizer(SENTENCES[:2], return_token_type_ids=True)
        features = [{"input_ids": encoding["input_ids"][i], "attention_mask": encoding["attention_mask"][i],
                     "token_type_ids": [1] * len(encoding["input_ids"][i]), "idx": i, "source": f"doc{i}",
                     "labels": [5] * len(encoding["input_ids"][i])} for i in range(2)]
        batch = MLMCollator(tokenizer, mask_prob=0.0)(features)
    finally:
        tokenizer.padding_side = "right"
    short = len(encoding["input_ids"][1])
    assert batch["input_ids"][1, -short:].tolist() == encoding["input_ids"][1]
    assert batch["attention_mask"][1].tolist() == [0] * (batch["input_ids"].shape[1] - short) + [1] * short
    assert batch["token_type_ids"][1].tolist() == [0] * (batch["input_ids"].shape[1] - short) + [1] * short
    assert batch["idx"].tolist() == [0, 1] and batch["source"] == ["doc0", "doc1"]
    assert (batch["labels"] == -100).all()  # old labels are replaced by the masking's


def test_special_tokens_and_padding_never_selected_nor_used_as_replacements():
    tokenizer = bpe_tokenizer()
    features = [{"input_ids": row} for row in tokenizer(SENTENCES * 50)["input_ids"]]
    for strategy in ("token", "whole_word", "span", "exact"):
        collator = MLMCollator(tokenizer, strategy=strategy, mask_prob=0.9, mask_replace_prob=0.0,
                               random_replace_prob=1.0, seed=0)
        batch = collator(features)
        chosen = batch["labels"] != -100
        special = torch.isin(batch["labels"], torch.tensor(tokenizer.all_special_ids))
        assert chosen.any() and not special.any(), strategy
        assert not torch.isin(batch["input_ids"][chosen], torch.tensor(tokenizer.all_special_ids)).any()
        assert not (chosen & (batch["attention_mask"] == 0)).any()


@pytest.mark.parametrize("make_tokenizer", [wordpiece_tokenizer, bpe_tokenizer], ids=["wordpiece", "bpe"])
@pytest.mark.parametrize("source", ["word_ids", "offset_mapping", "vocabulary"])
def test_whole_word_invariant(make_tokenizer, source):
    tokenizer = make_tokenizer()
    features = encode(tokenizer, SENTENCES * 100)
    keep = {"word_ids": "word_ids", "offset_mapping": "offset_mapping", "vocabulary": None}[source]
    features = [{"input_ids": f["input_ids"], **({keep: f[keep]} if keep else {})} for f in features]
    collator = MLMCollator(tokenizer, strategy="whole_word", mask_prob=0.3, seed=1)
    padded = collator.pad(features)
    special = collator.is_special[padded["input_ids"]] | ~padded["attention_mask"].bool()
    starts = collator.word_starts(padded, special)
    chosen = collator(features)["labels"] != -100
    in_word = (starts.cumsum(dim=1) > 0) & ~special
    first_piece = chosen.gather(1, word_start_positions(starts))
    assert torch.equal(chosen[in_word], first_piece[in_word])  # never part of a word
    assert ((chosen & ~starts).any())  # and multi-piece words do get masked whole
    assert within_sigmas(int((chosen & starts).sum()), int(starts.sum()), 0.3)


def test_same_seed_same_batches_and_a_new_mask_at_every_call():
    tokenizer = wordpiece_tokenizer()
    features = tokenizer(SENTENCES * 10)["input_ids"]
    first, second = MLMCollator(tokenizer, seed=3), MLMCollator(tokenizer, seed=3)
    a1, a2, b1 = first(features), first(features), second(features)
    assert torch.equal(a1["input_ids"], b1["input_ids"]) and torch.equal(a1["labels"], b1["labels"])
    assert not torch.equal(a1["labels"], a2["labels"])  # dynamic: the next call masks anew


def test_static_masks_are_the_same_in_any_batch_order_or_padding():
    tokenizer = wordpiece_tokenizer()
    rows = tokenizer(SENTENCES * 5)["input_ids"]
    collator = eval_masks(tokenizer, mask_prob=0.3, seed=5, strategy="span")
    together = collator(rows)
    for index in (0, 3, 7):
        alone = collator([rows[index]])
        length = len(rows[index])
        assert torch.equal(alone["labels"][0], together["labels"][index, :length])
        assert torch.equal(alone["input_ids"][0], together["input_ids"][index, :length])
    backwards = collator(rows[::-1])
    assert torch.equal(backwards["labels"][-1, :len(rows[0])], together["labels"][0, :len(rows[0])])
    other_seed = eval_masks(tokenizer, mask_prob=0.3, seed=6, strategy="span")
    assert not torch.equal(together["labels"], other_seed(rows)["labels"])


def test_static_masks_have_the_right_rates():
    tokenizer = wordpiece_tokenizer()
    words = torch.randint(5, len(tokenizer), (600, 30))  # distinct random rows: [CLS] words [SEP]
    rows = torch.cat([torch.full((600, 1), 2), words, torch.full((600, 1), 3)], dim=1)
    batch = eval_masks(tokenizer, mask_prob=0.15, seed=0)(list(rows))
    chosen = batch["labels"] != -100
    assert within_sigmas(int(chosen.sum()), words.numel(), 0.15)
    assert within_sigmas(int((batch["input_ids"][chosen] == tokenizer.mask_token_id).sum()), int(chosen.sum()), 0.8)


def test_exact_strategy_gives_each_row_round_p_n_predictions():
    tokenizer = bpe_tokenizer()
    rows = tokenizer(SENTENCES * 3)["input_ids"]
    batch = MLMCollator(tokenizer, strategy="exact", mask_prob=0.25, seed=0)(rows)
    assert (batch["labels"] != -100).sum(dim=1).tolist() == [round(0.25 * (len(row) - 2)) for row in rows]


def test_static_mask_dataset_copies_and_labels():
    tokenizer = wordpiece_tokenizer()
    dataset = datasets.Dataset.from_dict({"text": SENTENCES}).map(lambda b: tokenizer(b["text"]), batched=True)
    masked = static_mask_dataset(dataset, tokenizer, copies=3, seed=0, mask_prob=0.5)
    assert masked.column_names == ["input_ids", "attention_mask", "labels", "copy"]
    assert len(masked) == 3 * len(SENTENCES) and list(masked["copy"]) == [0] * 4 + [1] * 4 + [2] * 4
    originals, labels_column = list(dataset["input_ids"]) * 3, list(masked["labels"])
    for row, labels, original in zip(masked["input_ids"], labels_column, originals, strict=True):
        assert len(row) == len(labels) == len(original)
        assert all(label in (-100, token) for label, token in zip(labels, original, strict=True))
    assert labels_column[:4] != labels_column[4:8]  # each copy its own masks
    again = static_mask_dataset(dataset, tokenizer, copies=1, seed=0, mask_prob=0.5)
    assert list(again["labels"]) == labels_column[:4]
    batch = DataCollatorForTokenClassification(tokenizer)([masked[i] for i in range(4)])
    assert batch["labels"].shape == batch["input_ids"].shape


def test_bad_inputs_give_clear_errors():
    tokenizer = wordpiece_tokenizer()
    with pytest.raises(ValueError, match="mask_prob must be a probability between 0 and 1"):
        MLMCollator(tokenizer, mask_prob=1.5)
    with pytest.raises(ValueError, match="mask_prob must be a probability between 0 and 1"):
        MLMCollator(tokenizer, mlm_probability=-0.2)
    with pytest.raises(ValueError, match="is over 1"):
        MLMCollator(tokenizer, mask_replace_prob=0.9, random_replace_prob=0.2)
    with pytest.raises(ValueError, match="pad_to_multiple_of must be a positive int"):
        MLMCollator(tokenizer, pad_to_multiple_of=0)
    no_mask = wordpiece_tokenizer.__wrapped__()
    no_mask.mask_token = None
    with pytest.raises(ValueError, match="has no mask token"):
        MLMCollator(no_mask)
    collator = MLMCollator(tokenizer)
    with pytest.raises(ValueError, match="non-empty list of examples"):
        collator([])
    with pytest.raises(ValueError, match="each example needs 'input_ids'"):
        collator([{"text": "the dog"}])
    with pytest.raises(ValueError, match="token ids must be 0 or more"):
        collator([[2, -100, 3]])
    assert collator([[2, 500, 3]])["input_ids"].shape == (1, 3)  # ids past the tokenizer: ordinary tokens, as in HF


def hugging_face_statistics(collator, features, draws: int) -> dict[str, torch.Tensor]:
    """Per-position selection counts and [MASK] / changed / kept counts over `draws` calls."""
    totals = {"chosen": 0, "as_mask": 0, "changed": 0, "kept": 0}
    for _ in range(draws):
        batch = collator(features)
        chosen = batch["labels"] != -100
        as_mask = chosen & (batch["input_ids"] == collator.tokenizer.mask_token_id)
        kept = chosen & (batch["input_ids"] == batch["labels"])
        totals["chosen"] = totals["chosen"] + chosen.long()
        totals["as_mask"] = totals["as_mask"] + as_mask.long()
        totals["kept"] = totals["kept"] + kept.long()
        totals["changed"] = totals["changed"] + (chosen & ~as_mask & ~kept).long()
    return totals


def same_distribution(ours: torch.Tensor, theirs: torch.Tensor, trials: int) -> bool:
    """Two binomial counts (each out of `trials`) within 4 sigma of each other, at every position."""
    pooled = (ours + theirs).double() / (2 * trials)
    sigma = torch.sqrt(2 * trials * pooled * (1 - pooled)).clamp(min=1.0)
    return bool(((ours - theirs).abs() <= 4 * sigma).all())


@pytest.mark.parametrize("whole_word", [False, True], ids=["token", "whole_word"])
def test_statistics_match_data_collator_for_language_modeling(whole_word):
    tokenizer = wordpiece_tokenizer()
    # padded to one length: Hugging Face's tokenizer.pad cannot pad offset_mapping itself
    encoding = tokenizer(SENTENCES, padding=True, return_special_tokens_mask=True, return_offsets_mapping=True)
    features = [{key: encoding[key][i] for key in encoding} for i in range(len(SENTENCES))]
    draws = 400
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HF warns that whole-word masking turns 80/10/10 into 100/0/0
        theirs = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.3, whole_word_mask=whole_word, seed=0)
    ours = MLMCollator(tokenizer, mlm_probability=0.3, whole_word_mask=whole_word, seed=0,
                       mask_replace_prob=theirs.mask_replace_prob, random_replace_prob=theirs.random_replace_prob)
    their_totals = hugging_face_statistics(theirs, features, draws)
    our_totals = hugging_face_statistics(ours, features, draws)
    assert same_distribution(our_totals["chosen"], their_totals["chosen"], draws)  # per-position rates
    n_ours, n_theirs = int(our_totals["chosen"].sum()), int(their_totals["chosen"].sum())
    assert n_ours > 0 and n_theirs > 0
    assert same_distribution(torch.tensor(n_ours), torch.tensor(n_theirs), draws * int(our_totals["chosen"].gt(0).sum()))
    for share in ("as_mask", "changed", "kept"):  # 80/10/10 (or 100/0/0) shares of the chosen tokens
        ours_share, theirs_share = int(our_totals[share].sum()) / n_ours, int(their_totals[share].sum()) / n_theirs
        pooled = (ours_share + theirs_share) / 2
        sigma = math.sqrt(pooled * (1 - pooled) * (1 / n_ours + 1 / n_theirs))
        assert abs(ours_share - theirs_share) <= 4 * sigma + 1e-9
