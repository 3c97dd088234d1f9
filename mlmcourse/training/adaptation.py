"""Domain adaptation: continue pretraining a trained model on new text, and keep some of the old text in the mix.

What it teaches: a masked LM knows the text it was trained on and little else. *Continued pretraining* (Gururangan et
al. 2020, "Don't Stop Pretraining": domain-adaptive pretraining, DAPT) trains an existing model further on the new
domain (``TrainConfig.init_from``, ``mlmcourse train --init-from DIR``). Training on the new text alone makes the
model forget the old one (catastrophic forgetting, McCloskey & Cohen 1989); *replay*, mixing a share of the old
text into the new, is the simplest remedy. :func:`mix_texts` builds such a mixture with an exact share.
What it simplifies: one fixed mixture for the whole run (no schedule of shares), lines drawn without replacement.
Production twin: ``datasets.interleave_datasets([new, old], probabilities=[...])``, which samples the mixture on the
fly instead of materialising it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from mlmcourse.errors import CourseError


def replay_count(n_domain: int, general_share: float) -> int:
    """How many old-domain lines make ``general_share`` of a mixture that keeps all ``n_domain`` new lines.

    >>> replay_count(800, 0.2)  # 200 old lines: 200 / (800 + 200) = 20%
    200
    >>> replay_count(800, 0.0)
    0
    """
    if isinstance(general_share, bool) or not 0.0 <= general_share < 1.0:
        raise CourseError(f"general_share must be in [0, 1), got {general_share!r}: it is the fraction of the mixture "
                         "taken from the old domain (0.2 = one line in five)")
    return round(n_domain * general_share / (1.0 - general_share))


def mix_texts(domain: Sequence[str], general: Sequence[str], general_share: float, seed: int = 0) -> list[str]:
    """All ``domain`` lines plus enough distinct ``general`` lines to make ``general_share`` of the result, shuffled.

    The same ``seed`` gives the same mixture.

    >>> mixed = mix_texts(["new 1", "new 2", "new 3"], ["old a", "old b", "old c"], general_share=0.25, seed=0)
    >>> len(mixed), sorted(line for line in mixed if line.startswith("new"))
    (4, ['new 1', 'new 2', 'new 3'])
    """
    n_general = replay_count(len(domain), general_share)
    if n_general > len(general):
        raise CourseError(f"a share of {general_share:.0%} next to {len(domain):,} domain lines needs {n_general:,} "
                          f"general lines, but only {len(general):,} were given; pass more general text or a "
                          "smaller share")
    rng = random.Random(seed)
    mixed = list(domain) + rng.sample(list(general), n_general)
    rng.shuffle(mixed)
    return mixed
