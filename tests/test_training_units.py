"""Unit tests for mlmcourse.training's pure parts: schedules, FLOPs, packing, batch order, checkpoint state
flattening, device choice, config validation, token-weighted means. Each docstring's worked example is checked."""

from __future__ import annotations

import math
import random
import time

import numpy as np
import pytest
import torch
from training_support import small_tokenizer, template_lines

from mlmcourse.training import TrainConfig, choose_device, lr_factor, make_scheduler
from mlmcourse.training.batches import BatchMasker, count_predicted, make_eval_batches
from mlmcourse.training.callbacks import TrainState
from mlmcourse.training.checkpoint import capture_rng_state, flatten_state, restore_rng_state, unflatten_state
from mlmcourse.training.data import BatchOrder, make_blocks, pack_sequences, pad_sequences
from mlmcourse.training.evaluation import token_weighted_mean
from mlmcourse.training.flops import mfu, training_flops_per_token
from mlmcourse.training.loop import steady_tokens_per_second

# ---------------------------------------------------------------- schedules


def _factors(schedule: str) -> list[float]:
    return [round(lr_factor(s, warmup_steps=2, total_steps=6, schedule=schedule), 4) for s in range(7)]


def test_schedule_worked_examples():
    assert _factors("linear") == [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]
    assert _factors("cosine") == [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0]
    assert _factors("one_cycle") == [0.04, 0.52, 1.0, 0.8536, 0.5, 0.1465, 0.0]
    assert _factors("constant") == [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_schedules_match_transformers(schedule):
    from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

    twin = {"linear": get_linear_schedule_with_warmup, "cosine": get_cosine_schedule_with_warmup}[schedule]
    reference_optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    reference = twin(reference_optimizer, num_warmup_steps=7, num_training_steps=50)
    ours_optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    ours = make_scheduler(ours_optimizer, warmup_steps=7, total_steps=50, schedule=schedule)
    for _ in range(50):
        assert ours.get_last_lr()[0] == pytest.approx(reference.get_last_lr()[0], abs=1e-12)
        ours_optimizer.step(), reference_optimizer.step()
        ours.step(), reference.step()


def test_one_cycle_matches_torch_one_cycle_lr():
    warmup, total, peak = 6, 40, 0.5
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=peak)
    # torch reaches the peak at step pct_start * total_steps - 1 and the end at total_steps - 1.
    reference = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peak, total_steps=total + 1,
                                                    pct_start=(warmup + 1) / (total + 1), cycle_momentum=False)
    for step in range(total + 1):
        expected = reference.get_last_lr()[0]
        assert peak * lr_factor(step, warmup_steps=warmup, total_steps=total, schedule="one_cycle") == \
            pytest.approx(expected, rel=1e-9, abs=1e-12)
        optimizer.step()
        if step < total:
            reference.step()


def test_schedule_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown schedule 'cosin'"):
        lr_factor(0, warmup_steps=1, total_steps=5, schedule="cosin")
    with pytest.raises(ValueError, match="total_steps > 0"):
        lr_factor(0, warmup_steps=1, total_steps=0)


# ---------------------------------------------------------------- FLOPs


def test_flops_worked_example():
    shape = dict(num_layers=2, hidden_size=128, intermediate_size=512, vocab_size=8000, seq_len=128)
    assert training_flops_per_token(**shape) == 8_994_816.0
    assert round(training_flops_per_token(**shape, predicted_fraction=0.15)) == 3_688_858
    # PITFALLS.md: the head is ~22% of BERT-base's forward FLOPs at seq 128 and a 30k vocabulary.
    base = dict(num_layers=12, hidden_size=768, intermediate_size=3072, vocab_size=30522, seq_len=128)
    head = 2 * 768 * 768 + 2 * 768 * 30522
    assert 3 * head / training_flops_per_token(**base) == pytest.approx(0.216, abs=0.005)


def test_mfu_worked_example():
    assert mfu(flops_per_token=6e6, tokens_per_second=10_000, peak=1.5e11) == pytest.approx(0.4)
    assert mfu(flops_per_token=6e6, tokens_per_second=10_000, peak=None) is None


# ---------------------------------------------------------------- data


def test_pack_and_pad_worked_examples():
    assert pack_sequences([[5, 6], [7], [8, 9, 10]], seq_len=4, cls_id=2, sep_id=3) == \
        [[2, 5, 6, 3], [2, 7, 3, 8], [2, 9, 10, 3]]
    assert pad_sequences([[5, 6], [7, 8, 9, 10]], seq_len=5, cls_id=2, sep_id=3, pad_id=0) == \
        [[2, 5, 6, 3, 0], [2, 7, 8, 9, 3]]


def test_packing_keeps_every_token_in_order_and_is_linear():
    lines = [[random.randrange(5, 100) for _ in range(random.randrange(1, 9))] for _ in range(2_000)]
    blocks = pack_sequences(lines, seq_len=16, cls_id=2, sep_id=3)
    stream = [token for line in lines for token in [*line, 3]]
    assert [token for block in blocks for token in block[1:]] == stream[: len(blocks) * 15]
    assert all(len(block) == 16 and block[0] == 2 for block in blocks)
    # 200k lines must pack in well under a second of pure Python work (quadratic flattening would take minutes).
    many = lines * 100
    start = time.perf_counter()
    pack_sequences(many, seq_len=128, cls_id=2, sep_id=3)
    assert time.perf_counter() - start < 20  # generous: linear time is ~0.5 s here, quadratic is hours


def test_make_blocks_marks_special_tokens_and_padding():
    tokenizer = small_tokenizer()
    packed = make_blocks(tokenizer, template_lines(50, seed=3), seq_len=16, packing=True, progress=False)
    assert packed.input_ids.shape[1] == 16 and bool((packed.attention_mask == 1).all())
    assert bool((packed.special_tokens_mask[:, 0] == 1).all())  # [CLS]
    padded = make_blocks(tokenizer, ["the dog barked at me ."], seq_len=12, packing=False, progress=False)
    assert padded.input_ids.tolist()[0] == tokenizer("the dog barked at me .", padding="max_length",
                                                     max_length=12)["input_ids"]
    assert padded.attention_mask.sum().item() == 8 and padded.special_tokens_mask.sum().item() == 6


def test_make_blocks_explains_too_little_text():
    with pytest.raises(ValueError, match="make no block of seq_len 64"):
        make_blocks(small_tokenizer(), ["the dog barked ."], seq_len=64, packing=True, progress=False)


def test_batch_order_worked_example_and_resumability():
    order = BatchOrder(num_examples=10, batch_size=4, seed=0)
    assert (order.batches_per_epoch, order.epoch_and_index(5)) == (2, (2, 1))
    # Each epoch is a permutation: its batches never repeat a block.
    epoch = torch.cat([order.indices(p) for p in range(2)])
    assert len(set(epoch.tolist())) == 8
    # A fresh order (a resumed run) gives the same batch at any position, epochs differ.
    fresh = BatchOrder(num_examples=10, batch_size=4, seed=0)
    assert torch.equal(fresh.indices(5), order.indices(5))
    assert not torch.equal(order.permutation(0), order.permutation(1))
    with pytest.raises(ValueError, match="fewer than one batch"):
        BatchOrder(num_examples=3, batch_size=4, seed=0)


def test_eval_batches_are_fixed_and_training_masks_rate():
    tokenizer = small_tokenizer()
    blocks = make_blocks(tokenizer, template_lines(400, seed=4), seq_len=24, progress=False)
    masker = BatchMasker(tokenizer, "token", 0.15)
    first = make_eval_batches(blocks, masker, batch_size=8, num_sequences=40, seed=0)
    second = make_eval_batches(blocks, masker, batch_size=8, num_sequences=40, seed=0)
    assert [len(b["labels"]) for b in first] == [8, 8, 8, 8, 8]
    assert all(torch.equal(a["input_ids"], b["input_ids"]) for a, b in zip(first, second, strict=True))
    masked = masker(blocks.rows(torch.arange(len(blocks))), torch.Generator().manual_seed(0))
    maskable = int((blocks.special_tokens_mask == 0).sum())
    assert count_predicted(masked) / maskable == pytest.approx(0.15, abs=0.02)
    assert bool((masked["labels"][blocks.special_tokens_mask.bool()] == -100).all())


def test_count_predicted_worked_example():
    assert count_predicted({"labels": torch.tensor([[-100, 7, -100], [5, -100, 9]])}) == 3


# ---------------------------------------------------------------- checkpoint state


def test_flatten_state_worked_examples():
    tensors, rest = flatten_state({"step": 3, "state": {0: {"exp_avg": torch.tensor([1.0, 2.0])}}})
    assert list(tensors) == ["state.0.exp_avg"]
    assert rest == {"step": 3, "state": {"__items__": [[0, {"exp_avg": {"__tensor__": "state.0.exp_avg"}}]]}}
    tensors, rest = flatten_state({"betas": (0.9, 0.98), 0: torch.tensor(1.0)})
    assert unflatten_state(rest, tensors) == {"betas": (0.9, 0.98), 0: torch.tensor(1.0)}


def test_optimizer_state_round_trips_without_pickle():
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.1, betas=(0.9, 0.98))
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    tensors, rest = flatten_state(optimizer.state_dict())
    import json

    restored = unflatten_state(json.loads(json.dumps(rest)), tensors)
    fresh = torch.optim.AdamW(model.parameters(), lr=0.1)
    fresh.load_state_dict(restored)
    assert fresh.param_groups[0]["betas"] == (0.9, 0.98)
    for key, value in optimizer.state_dict()["state"][0].items():
        assert torch.equal(fresh.state_dict()["state"][0][key], value)


def test_flatten_refuses_objects_that_need_pickle():
    with pytest.raises(TypeError, match="without pickling"):
        flatten_state({"function": print})


def test_rng_state_round_trip():
    state = capture_rng_state()
    tensors, rest = flatten_state(state)
    import json

    expected = (torch.rand(3), np.random.rand(3), random.random())
    restore_rng_state(unflatten_state(json.loads(json.dumps(rest)), tensors))
    again = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(expected[0], again[0]) and np.array_equal(expected[1], again[1]) and expected[2] == again[2]


# ---------------------------------------------------------------- device, config, small helpers


def test_choose_device_on_this_machine_and_bad_requests():
    choice = choose_device("cpu", "fp32")
    assert (choice.device.type, choice.precision, choice.autocast_dtype, choice.grad_scaler()) == \
        ("cpu", "fp32", None, None)
    assert choice.reason == "device 'cpu' was requested; precision 'fp32' was requested"
    assert choice.describe() == f"Training on cpu (cpu) in fp32: {choice.reason}"
    assert choose_device("cpu", "bf16").autocast_dtype == torch.bfloat16
    with pytest.raises(ValueError, match="not useful on a CPU"):
        choose_device("cpu", "fp16")
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        choose_device("gpu")
    if not torch.cuda.is_available():
        auto = choose_device("auto", "auto")
        assert auto.precision in ("fp32", "bf16") and auto.device.type in ("cpu", "mps")
        with pytest.raises(ValueError, match="sees no CUDA GPU"):
            choose_device("cuda")


def test_auto_precision_on_a_cpu_follows_its_bf16_support_and_the_measured_gain(monkeypatch):
    from mlmcourse.training import hardware

    monkeypatch.setattr(hardware, "cpu_bf16_flags", lambda: [])
    choice = choose_device("cpu", "auto")
    assert choice.precision == "fp32" and "no native bf16" in choice.reason
    monkeypatch.setattr(hardware, "cpu_bf16_flags", lambda: ["avx512_bf16"])
    monkeypatch.setattr(hardware, "cpu_bf16_speedup", lambda *args, **kwargs: 1.8)
    choice = choose_device("cpu", "auto")
    assert choice.precision == "bf16" and "1.8x faster" in choice.reason
    monkeypatch.setattr(hardware, "cpu_bf16_speedup", lambda *args, **kwargs: 1.02)
    choice = choose_device("cpu", "auto")
    assert choice.precision == "fp32" and "only 1.02x" in choice.reason


def test_bf16_speedup_is_a_measured_positive_ratio():
    from mlmcourse.training.hardware import cpu_bf16_speedup

    assert 0.05 < cpu_bf16_speedup(hidden_size=32, tokens=64) < 50


def test_cpu_peak_is_cached_per_machine_and_not_measured_unless_asked(tmp_path, monkeypatch):
    from mlmcourse.training import hardware

    monkeypatch.setenv("MLMCOURSE_CACHE", str(tmp_path))
    assert hardware.cpu_peak_flops("fp32", hidden_size=32, tokens=64, measure=False) is None
    measured = hardware.cpu_peak_flops("fp32", hidden_size=32, tokens=64, repeats=2, seconds=0.02)
    assert abs(measured["flops"] - max(measured["shapes"].values())) <= 1  # the best shape, rounded in "shapes"
    assert "median" in measured["how"] and (tmp_path / "peak_flops.json").is_file()
    assert hardware.cpu_peak_flops("fp32", hidden_size=32, tokens=64, measure=False) == measured


@pytest.mark.parametrize(("field", "value", "message"), [
    ("schedule", "cosin", "schedule='cosin' is not one of"),
    ("batch_size", 0, "batch_size must be a positive integer"),
    ("mask_prob", 1.5, "mask_prob must be between 0 and 1"),
    ("lr", -1.0, "lr must be positive"),
    ("max_minutes", 0, "max_minutes must be positive"),
    ("resume", True, "resume=True needs out_dir"),
])
def test_train_config_rejects_bad_values(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_train_config_json_round_trip_and_differences(tmp_path):
    config = TrainConfig(lr=5e-4, betas=(0.9, 0.999), max_steps=10)
    config.save(tmp_path / "config.json")
    loaded = TrainConfig.load(tmp_path / "config.json")
    assert loaded == config and loaded.tokens_per_step == 32 * 64
    longer = TrainConfig(lr=5e-4, betas=(0.9, 0.999), max_steps=99, seed=1)
    assert config.differences(longer) == {"seed": (0, 1)}  # max_steps may change on resume


def test_token_weighted_mean_worked_example():
    assert token_weighted_mean([2.0, 4.0], [30, 10]) == 2.5
    with pytest.raises(ValueError, match="no predicted tokens"):
        token_weighted_mean([], [])


def test_eta_and_steady_throughput_worked_examples():
    assert TrainState(max_steps=100, step=25, train_seconds=10.0).eta_seconds() == 30.0
    assert TrainState(max_steps=100).eta_seconds() is None
    history = [{"tokens": 100, "seconds": 5.0}, {"tokens": 300, "seconds": 6.0}]
    assert steady_tokens_per_second(history, 500, 7.0) == 200.0
    assert math.isclose(steady_tokens_per_second([], 500, 5.0), 100.0)


# ---------------------------------------------------------------- the warmup experiment


def test_unigram_entropy_worked_example():
    from mlmcourse.training.plateau import unigram_entropy

    assert round(unigram_entropy([[7, 7, 8], [7, 9]]), 4) == 0.9503
    assert unigram_entropy([[3, 3, 3]]) == 0.0
    with pytest.raises(ValueError, match="no tokens"):
        unigram_entropy([[]])


def test_warmup_experiment_runs_every_recipe_and_plots(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from training_support import small_texts

    from mlmcourse.training.plateau import RECIPES, plot_warmup_experiment, warmup_experiment

    result = warmup_experiment(4, tokenizer=small_tokenizer(), texts=small_texts(), num_threads=1, progress=False,
                               work_dir=tmp_path, seeds=(0, 1))
    assert list(result["runs"]) == [f"{name}|{seed}" for name in RECIPES for seed in (0, 1)] and result["steps"] == 4
    assert 0 < result["unigram_entropy"] < math.log(120)
    for run in result["runs"].values():
        assert run["recipe"] == RECIPES[run["recipe_name"]] and run["history"][-1]["step"] == 4
        shares = [share for _, share in run["top_predictions"]]
        assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1
    assert result["runs"]["no warmup|0"]["history"][0]["lr"] == 2e-3  # no warmup: the peak from step 0
    assert result["runs"]["300 warmup steps|1"]["history"][0]["lr"] < 2e-4
    assert result["runs"]["no warmup|0"]["history"] != result["runs"]["no warmup|1"]["history"]  # seeds differ
    axes = plot_warmup_experiment(result)
    assert len(axes.lines) == 2 * 2 * len(RECIPES) + 1  # training + validation per run, and the plateau line
    assert len(axes.get_legend().get_texts()) == len(RECIPES) + 1  # one legend entry per recipe
    # A second call with more steps continues the stored runs instead of starting over.
    longer = warmup_experiment(6, tokenizer=small_tokenizer(), texts=small_texts(), num_threads=1, progress=False,
                               work_dir=tmp_path, recipes={"no warmup": RECIPES["no warmup"]})
    assert [e["step"] for e in longer["runs"]["no warmup|0"]["evals"]][-1] == 6


def test_leave_step_worked_example():
    from mlmcourse.training.plateau import leave_step

    run = {"evals": [{"step": 50, "loss": 4.1}, {"step": 100, "loss": 3.2}]}
    assert leave_step(run, plateau=4.0) == 100 and leave_step(run, plateau=3.6) is None


def test_one_line_per_row_says_when_rows_are_mostly_padding_or_lines_are_cut(capsys):
    from mlmcourse.training.data import row_length_note

    tokenizer = small_tokenizer()
    lines = template_lines(40, seed=2)
    longest = max(len(tokenizer(line)["input_ids"]) for line in lines)  # with [CLS] and [SEP]
    roomy = make_blocks(tokenizer, lines, seq_len=4 * longest, packing=False, progress=False)
    assert f"--seq-len {longest}" in roomy.note and "padding" in roomy.note
    assert make_blocks(tokenizer, lines, seq_len=longest, packing=False, progress=False).note == ""
    cut = make_blocks(tokenizer, lines, seq_len=longest - 1, packing=False, progress=False)
    assert "longer than seq_len" in cut.note and cut.input_ids.shape[1] == longest - 1
    assert make_blocks(tokenizer, lines, seq_len=4 * longest, packing=True, progress=False).note == ""
    assert row_length_note([], 16) == "" and row_length_note([10, 10], 20) == ""  # exactly half padding: fine


def test_data_module_docstring_examples():
    import doctest

    from mlmcourse.training import data

    results = doctest.testmod(data)
    assert results.attempted >= 7 and results.failed == 0, results
