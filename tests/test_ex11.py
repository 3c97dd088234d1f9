"""The notebook-11 exercise checker: accepts the reference, rejects the usual mistakes with a hint."""

from __future__ import annotations

from mlmcourse.corpora.language_sampling import sampling_probabilities
from mlmcourse.exercises.ex11 import check_sampling_probabilities


def test_the_reference_passes():
    feedback = check_sampling_probabilities(sampling_probabilities)
    assert feedback and "✅" in str(feedback)


def test_weights_that_are_not_normalised_are_rejected():
    def weights_only(counts, alpha):
        return {language: n ** alpha for language, n in counts.items()}

    feedback = check_sampling_probabilities(weights_only)
    assert not feedback and "divide each by their sum" in feedback.hint and "expected" in feedback.message


def test_proportional_sampling_that_forgets_alpha_is_rejected():
    def proportional(counts, alpha):
        total = sum(counts.values())
        return {language: n / total for language, n in counts.items()}

    feedback = check_sampling_probabilities(proportional)
    assert not feedback and "power alpha" in feedback.hint and "alpha=0.3" in feedback.message


def test_other_wrong_answers_get_a_message():
    def inverted(counts, alpha):  # the exponent upside down: small languages sampled even less
        weights = {language: n ** (1 / max(alpha, 1e-3)) for language, n in counts.items()}
        return {language: w / sum(weights.values()) for language, w in weights.items()}

    assert not check_sampling_probabilities(inverted)
    assert "one probability per language" in check_sampling_probabilities(lambda counts, alpha: [0.5, 0.5]).message

    def stub(counts, alpha):
        raise NotImplementedError

    assert "NotImplementedError" in check_sampling_probabilities(stub).message
