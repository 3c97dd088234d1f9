"""Replay mixtures for domain adaptation (``mlmcourse.training.adaptation``) and the checker of notebook 08."""

from __future__ import annotations

import doctest
import random
from collections import Counter

import pytest

from mlmcourse.exercises.ex08 import check_mix_texts
from mlmcourse.training import adaptation
from mlmcourse.training.adaptation import mix_texts, replay_count

DOMAIN = [f"new {i}" for i in range(90)]
GENERAL = [f"old {i}" for i in range(500)]


def test_docstring_examples():
    results = doctest.testmod(adaptation)
    assert results.attempted >= 3 and results.failed == 0


@pytest.mark.parametrize("share", [0.0, 0.1, 0.2, 0.5, 0.75])
def test_mixture_keeps_every_domain_line_and_hits_the_share(share):
    mixed = mix_texts(DOMAIN, GENERAL, share, seed=3)
    counts = Counter(mixed)
    assert all(counts[line] == 1 for line in DOMAIN)
    old = [line for line in mixed if line.startswith("old")]
    assert len(old) == len(set(old)) == replay_count(len(DOMAIN), share)
    assert abs(len(old) / len(mixed) - share) <= 0.5 / len(mixed) + 1e-12  # exact up to rounding one line
    assert mixed == mix_texts(DOMAIN, GENERAL, share, seed=3)  # reproducible
    if share > 0:
        assert mixed != mix_texts(DOMAIN, GENERAL, share, seed=4)
        positions = [i for i, line in enumerate(mixed) if line.startswith("old")]
        assert min(positions) < len(DOMAIN)  # shuffled, not appended at the end


def test_bad_shares_and_too_little_general_text():
    for share in (-0.1, 1.0, 1.5, True):
        with pytest.raises(ValueError, match=r"general_share must be in \[0, 1\)"):
            mix_texts(DOMAIN, GENERAL, share)
    with pytest.raises(ValueError, match="needs 270 general lines, but only 10 were given"):
        mix_texts(DOMAIN, GENERAL[:10], 0.75)


def _share_of_domain(domain, general, general_share, seed=0):  # the classic mistake
    rng = random.Random(seed)
    mixed = list(domain) + rng.sample(list(general), round(general_share * len(domain)))
    rng.shuffle(mixed)
    return mixed


def _appended(domain, general, general_share, seed=0):
    return list(domain) + random.Random(seed).sample(list(general), replay_count(len(domain), general_share))


def _unseeded(domain, general, general_share, seed=0):
    mixed = list(domain) + random.sample(list(general), replay_count(len(domain), general_share))
    random.shuffle(mixed)
    return mixed


def _with_duplicates(domain, general, general_share, seed=0):
    rng = random.Random(seed)
    mixed = list(domain) + rng.choices(list(general[:3]), k=replay_count(len(domain), general_share))
    rng.shuffle(mixed)
    return mixed


def test_checker_accepts_the_reference_and_explains_mistakes():
    assert check_mix_texts(mix_texts).passed
    cases = {_share_of_domain: "share of the domain", _appended: "shuffle", _unseeded: "random.Random(seed)",
             _with_duplicates: "without replacement"}
    for wrong, hint in cases.items():
        feedback = check_mix_texts(wrong)
        assert not feedback.passed and hint in feedback.hint, (wrong.__name__, str(feedback))
    assert "NotImplementedError" in check_mix_texts(lambda *args: (_ for _ in ()).throw(NotImplementedError)).message
