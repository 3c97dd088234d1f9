"""Checker for ``08_domain_adaptation.ipynb``: mixing old-domain lines into new-domain text (replay).

The learner writes ``mix_texts(domain, general, general_share, seed)``. Checked: every domain line is kept once, the
old lines are distinct lines of ``general`` and make exactly the requested share, the order is shuffled (the old lines
are not all at the end), and the same seed gives the same mixture. The usual mistake is to take
``general_share * len(domain)`` old lines, which makes the share of the *domain* size, not of the mixture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.training.adaptation import replay_count

DOMAIN = [f"def f{i}(x): return x + {i}" for i in range(80)]
GENERAL = [f"the dog number {i} barked at me ." for i in range(200)]


def check_mix_texts(function: Callable) -> Feedback:
    """``function(domain, general, general_share, seed) -> list[str]``."""
    for share in (0.2, 0.5, 0.0):
        result, problem = call_safely(function, list(DOMAIN), list(GENERAL), share, 0)
        if problem is not None:
            return problem
        if not isinstance(result, list) or not all(isinstance(line, str) for line in result):
            return Feedback(False, f"expected a list of strings, got {type(result).__name__}.",
                            "return the domain lines and the chosen general lines together, as one list.")
        counts = Counter(result)
        if any(counts[line] != 1 for line in DOMAIN):
            return Feedback(False, "every domain line must appear exactly once in the mixture.",
                            "start from list(domain); add general lines to it.")
        old = [line for line in result if line not in set(DOMAIN)]
        if any(line not in set(GENERAL) for line in old) or len(set(old)) != len(old):
            return Feedback(False, "the added lines must be distinct lines of `general`.",
                            "draw them without replacement: random.Random(seed).sample(general, k).")
        expected = replay_count(len(DOMAIN), share)
        if len(old) != expected:
            hint = ("you took general_share * len(domain) lines: that is a share of the domain, not of the mixture. "
                    "Solve k / (len(domain) + k) = general_share for k."
                    if len(old) == round(share * len(DOMAIN)) else
                    "k old lines make a share k / (len(domain) + k) of the mixture; solve it for k and round.")
            return Feedback(False, f"with general_share={share} the mixture has {len(old)} general lines, expected "
                            f"{expected} ({expected} / {len(DOMAIN) + expected} = {share:.0%}).", hint)
        if share > 0 and result[:len(DOMAIN)] == DOMAIN:
            return Feedback(False, "the general lines are all after the domain lines.",
                            "shuffle the mixture (random.Random(seed).shuffle(mixed)) so every batch sees both.")
        again, _ = call_safely(function, list(DOMAIN), list(GENERAL), share, 0)
        if again != result:
            return Feedback(False, "the same seed gave two different mixtures.",
                            "use one random.Random(seed) for both the sampling and the shuffle.")
    return Feedback(True, "every domain line once, the exact share of distinct old lines, shuffled, reproducible.")
