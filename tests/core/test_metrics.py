"""Metrics: PGR, accuracy, agreement, AUROC, ECE and bootstrap intervals on hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from w2s_lib.core.metrics import accuracy, agreement, auroc, bootstrap_ci, ece, pgr

NAN = float("nan")

# ---------------------------------------------------------------------------------------------
# PGR


def test_pgr_half():
    # (0.7 - 0.6) / (0.8 - 0.6) = 0.1 / 0.2
    assert pgr(0.6, 0.7, 0.8) == pytest.approx(0.5, abs=1e-12)


def test_pgr_endpoints():
    assert pgr(0.6, 0.6, 0.8) == pytest.approx(0.0, abs=1e-12)
    assert pgr(0.6, 0.8, 0.8) == pytest.approx(1.0, abs=1e-12)


def test_pgr_negative_when_student_below_supervisor():
    # (0.5 - 0.6) / (0.8 - 0.6) = -0.5
    assert pgr(0.6, 0.5, 0.8) == pytest.approx(-0.5, abs=1e-12)


def test_pgr_above_one_allowed():
    # (0.9 - 0.6) / (0.8 - 0.6) = 1.5
    assert pgr(0.6, 0.9, 0.8) == pytest.approx(1.5, abs=1e-12)


@pytest.mark.parametrize(
    "weak, w2s, strong",
    [
        (0.8, 0.7, 0.8),  # no gap
        (0.8, 0.9, 0.7),  # ceiling below supervisor
        (NAN, 0.7, 0.8),
        (0.6, NAN, 0.8),
        (0.6, 0.7, NAN),
        (None, 0.7, 0.8),
    ],
)
def test_pgr_nan_when_undefined(weak, w2s, strong):
    assert math.isnan(pgr(weak, w2s, strong))


# ---------------------------------------------------------------------------------------------
# accuracy and agreement


def test_accuracy_hand_case():
    p1 = [0.9, 0.2, 0.5, 0.7, 0.4, 0.6]
    labels = [1, 0, 1, 0, 0, 1]
    # predictions (p1 > 0.5; the tie 0.5 is class 0): [1, 0, 0, 1, 0, 1]
    # correct: [y, y, n, n, y, y] -> 4 / 6
    assert accuracy(p1, labels) == pytest.approx(4 / 6)


def test_accuracy_empty_is_nan():
    assert math.isnan(accuracy([], []))


def test_agreement_hand_case():
    labels = [1, 1, 1, 0, 0, 0]
    supervisor = [0.9, 0.8, 0.3, 0.2, 0.7, 0.6]  # preds [1, 1, 0, 0, 1, 1]; right at {0, 1, 3}, wrong at {2, 4, 5}
    student = [0.6, 0.1, 0.2, 0.4, 0.3, 0.1]  # preds [1, 0, 0, 0, 0, 0]
    # agree = [y, n, y, y, n, n]
    #   all: 3 / 6;  supervisor right {0, 1, 3}: [y, n, y] = 2 / 3;  supervisor wrong {2, 4, 5}: [y, n, n] = 1 / 3
    out = agreement(student, supervisor, labels)
    assert out["all"] == pytest.approx(0.5)
    assert out["supervisor_right"] == pytest.approx(2 / 3)
    assert out["supervisor_wrong"] == pytest.approx(1 / 3)


def test_agreement_empty_subsets_are_nan():
    # the supervisor is right everywhere -> the "supervisor_wrong" subset is empty
    out = agreement([0.9, 0.9], [0.9, 0.1], [1, 0])
    assert out["all"] == pytest.approx(0.5)
    assert out["supervisor_right"] == pytest.approx(0.5)
    assert math.isnan(out["supervisor_wrong"])
    # ... and wrong everywhere -> "supervisor_right" is empty
    out = agreement([0.1, 0.2], [0.1, 0.9], [1, 0])
    assert math.isnan(out["supervisor_right"])
    assert out["supervisor_wrong"] == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------
# AUROC


def test_auroc_hand_case():
    # positives {0.35, 0.8}, negatives {0.1, 0.4}: pairs ranked right: 0.35>0.1, 0.8>0.1, 0.8>0.4 (not 0.35>0.4)
    # -> 3 / 4
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)


def test_auroc_ties_count_half():
    # positives {0.5, 0.9}, negatives {0.2, 0.5}: 0.5>0.2, tie 0.5=0.5 (1/2), 0.9>0.2, 0.9>0.5 -> 3.5 / 4
    assert auroc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1]) == pytest.approx(0.875)


def test_auroc_is_threshold_free():
    # all p1 < 0.5 (accuracy of the hard predictions is 1/2), yet the ranking is perfect
    assert auroc([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]) == pytest.approx(1.0)


def test_auroc_one_class_is_nan():
    assert math.isnan(auroc([0.1, 0.9, 0.4], [0, 0, 0]))
    assert math.isnan(auroc([], []))


def test_auroc_all_positive_is_nan_without_calling_sklearn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # sklearn's UndefinedMetricWarning (or its older ValueError) must not fire
        assert math.isnan(auroc([0.1, 0.9, 0.4], [1, 1, 1]))


# ---------------------------------------------------------------------------------------------
# ECE


def test_ece_hand_case_ten_bins():
    p1 = [0.95, 0.92, 0.27, 0.62]
    labels = [1, 0, 0, 1]
    # preds [1, 1, 0, 1]; confidence of the predicted class [0.95, 0.92, 0.73, 0.62]; correct [1, 0, 1, 1]
    # 10 equal-width bins over [0, 1]: bin 9 = {0.95, 0.92}, bin 7 = {0.73}, bin 6 = {0.62}
    #   bin 9: weight 2/4, |acc 0.5 - conf 0.935| = 0.435  -> 0.2175
    #   bin 7: weight 1/4, |1 - 0.73| = 0.27               -> 0.0675
    #   bin 6: weight 1/4, |1 - 0.62| = 0.38               -> 0.095
    # total 0.38
    assert ece(p1, labels) == pytest.approx(0.38, abs=1e-9)


def test_ece_hand_case_two_bins():
    # same case, 2 bins: every confidence is in [0.5, 1) -> one bin; |acc 3/4 - mean conf 3.22/4| = 0.055
    assert ece([0.95, 0.92, 0.27, 0.62], [1, 0, 0, 1], n_bins=2) == pytest.approx(0.055, abs=1e-9)


def test_ece_perfect_and_empty():
    # confidence 1 and always right -> 0 (conf 1.0 falls in the last bin, not out of range)
    assert ece([1.0, 0.0, 1.0], [1, 0, 1]) == pytest.approx(0.0, abs=1e-12)
    # confidence 1 and always wrong -> 1
    assert ece([1.0, 0.0], [0, 1]) == pytest.approx(1.0, abs=1e-12)
    assert math.isnan(ece([], []))


# ---------------------------------------------------------------------------------------------
# bootstrap_ci


def test_bootstrap_contains_mean_and_is_within_range():
    vals = [1.0, 2.0, 3.0, 4.0, 5.0]
    lo, hi = bootstrap_ci(vals)
    assert 1.0 <= lo < 3.0 < hi <= 5.0


def test_bootstrap_deterministic_for_seed():
    vals = np.random.default_rng(3).normal(size=30)
    assert bootstrap_ci(vals, seed=7) == bootstrap_ci(vals, seed=7)
    assert bootstrap_ci(vals, seed=7) != bootstrap_ci(vals, seed=8)


def test_bootstrap_narrows_with_more_data():
    rng = np.random.default_rng(0)
    small = rng.normal(size=20)
    large = rng.normal(size=2000)
    lo_s, hi_s = bootstrap_ci(small, n_boot=500)
    lo_l, hi_l = bootstrap_ci(large, n_boot=500)
    # the width scales like 1/sqrt(n): ~0.9 vs ~0.09
    assert (hi_l - lo_l) < 0.3 * (hi_s - lo_s)
    assert lo_l < 0.0 + 0.15 and hi_l > 0.0 - 0.15


def test_bootstrap_level_controls_width():
    vals = np.random.default_rng(1).normal(size=50)
    lo50, hi50 = bootstrap_ci(vals, level=0.5)
    lo95, hi95 = bootstrap_ci(vals, level=0.95)
    assert lo95 < lo50 < hi50 < hi95


def test_bootstrap_single_value():
    assert bootstrap_ci([0.7]) == (0.7, 0.7)
    # a nan beside it is dropped
    assert bootstrap_ci([NAN, 0.4]) == (0.4, 0.4)
    assert all(math.isnan(x) for x in bootstrap_ci([NAN]))
    assert all(math.isnan(x) for x in bootstrap_ci([]))


def test_bootstrap_drops_nans():
    with_nan = bootstrap_ci([1.0, NAN, 2.0, 3.0, NAN], seed=0)
    assert all(math.isfinite(x) for x in with_nan)
    assert with_nan == bootstrap_ci([1.0, 2.0, 3.0], seed=0)


def test_bootstrap_custom_stat_and_paired_rows():
    # a constant statistic gives a zero-width interval
    assert bootstrap_ci([1.0, 2.0, 3.0], stat=lambda a: 42.0) == (42.0, 42.0)
    # 2-D values: rows are resampled together, so a per-row difference that is always 1 stays exactly 1,
    # although each column alone varies a lot
    x = np.arange(20, dtype=float)
    rows = np.stack([x + 1.0, x], axis=1)
    assert bootstrap_ci(rows, stat=lambda a: float((a[:, 0] - a[:, 1]).mean())) == (1.0, 1.0)
    lo, hi = bootstrap_ci(rows, stat=lambda a: float(a[:, 0].mean()))
    assert hi - lo > 1.0


def test_many_class_accuracy_and_agreement_hand_case():
    from w2s_lib.core.metrics import hard_predictions

    labels = [0, 1, 2, 2]
    student = np.array([[0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.5, 0.1, 0.4], [0.2, 0.2, 0.6]])  # 0, 1, 0, 2
    supervisor = np.array([0, 2, 0, 1])  # class indices; right only on example 0
    assert hard_predictions(student).tolist() == [0, 1, 0, 2]
    assert accuracy(student, labels) == 0.75
    assert accuracy(supervisor, labels) == 0.25
    a = agreement(student, supervisor, labels)
    # agree on examples 0 and 2; the supervisor is right on 0 (agreed) and wrong on 1, 2, 3 (agreed on 2)
    assert a == {"all": 0.5, "supervisor_right": 1.0, "supervisor_wrong": pytest.approx(1 / 3)}


def test_hard_predictions_formats_agree_on_binary_tasks():
    from w2s_lib.core.metrics import hard_predictions

    p1 = np.array([0.2, 0.7, 0.5, 0.51])
    assert hard_predictions(p1).tolist() == [0, 1, 0, 1]  # ties at 0.5 count as class 0
    assert hard_predictions(np.stack([1 - p1, p1], -1)).tolist() == [0, 1, 0, 1]
    assert hard_predictions(np.array([0, 1, 1])).tolist() == [0, 1, 1]
