"""The checkers of 05_training.ipynb: right answers pass, typical mistakes get their own hint, nothing raises."""

from __future__ import annotations

from mlmcourse.exercises.ex05 import check_token_weighted_mean, check_warmup_linear


def warmup_linear(step: int, warmup_steps: int, total_steps: int) -> float:
    if step < warmup_steps:
        return step / warmup_steps
    return max(0.0, 1 - (step - warmup_steps) / (total_steps - warmup_steps))


def test_correct_schedule_passes():
    feedback = check_warmup_linear(warmup_linear)
    assert feedback.passed and str(feedback).startswith("✅")


def test_schedule_mistakes_get_specific_hints():
    def off_by_one(step, warmup_steps, total_steps):
        return (step + 1) / warmup_steps if step < warmup_steps else warmup_linear(step, warmup_steps, total_steps)

    def no_clamp(step, warmup_steps, total_steps):
        if step < warmup_steps:
            return step / warmup_steps
        return 1 - (step - warmup_steps) / (total_steps - warmup_steps)

    def decay_from_zero(step, warmup_steps, total_steps):
        return step / warmup_steps if step < warmup_steps else 1 - step / total_steps

    assert "step 0 gets 0" in check_warmup_linear(off_by_one).hint
    assert "clamp with max(0.0" in check_warmup_linear(no_clamp).hint
    assert "exactly 1 at the end of warmup" in check_warmup_linear(decay_from_zero).hint
    assert "return a number" in check_warmup_linear(lambda s, w, t: None).hint


def test_unfinished_or_crashing_functions_do_not_raise():
    def stub(step, warmup_steps, total_steps):
        raise NotImplementedError

    assert "NotImplementedError" in check_warmup_linear(stub).message
    crash = check_warmup_linear(lambda s, w, t: s / (w - w))
    assert not crash.passed and "ZeroDivisionError" in crash.message


def test_token_weighted_mean_checker():
    assert check_token_weighted_mean(lambda m, c: sum(a * b for a, b in zip(m, c, strict=True)) / sum(c)).passed
    plain = check_token_weighted_mean(lambda m, c: sum(m) / len(m))
    assert not plain.passed and "plain mean of the batch means" in plain.hint
    assert "expected 2.5" in plain.message
