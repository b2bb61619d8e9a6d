"""Losses: hand-computed values for tiny batches, the logconf alpha schedules, and gradient flow.

Logits are written as log-probabilities (``[log(1 - p1), log(p1)]``), so that softmax(logits) is exactly
the probability pair we hand-compute with.
"""

from __future__ import annotations

import math

import pytest
import torch

from w2s_lib.core.losses import LOSSES, SCHEDULES, get_loss


def logits_for(p1s):
    """Logits whose softmax is [1 - p1, p1] per row."""
    return torch.tensor([[math.log(1 - p), math.log(p)] for p in p1s], dtype=torch.float32)


def soft_for(p1s):
    return torch.tensor([[1 - p, p] for p in p1s], dtype=torch.float32)


def bce(t1, p1):
    """Hand formula for one example: -(t1 * log p1 + (1 - t1) * log(1 - p1))."""
    return -(t1 * math.log(p1) + (1 - t1) * math.log(1 - p1))


# ---------------------------------------------------------------------------------------------
# xent


def test_xent_two_examples_by_hand():
    loss = get_loss("xent")
    logits = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    soft = torch.tensor([[0.7, 0.3], [0.4, 0.6]])
    # ex 0: log-softmax = [1 - log(1+e), -log(1+e)]  ->  CE = log(1+e) - 0.7*1 = log(1+e) - 0.7
    # ex 1: log-softmax = [-log(1+e^2), 2 - log(1+e^2)]  ->  CE = log(1+e^2) - 0.6*2 = log(1+e^2) - 1.2
    ce0 = math.log(1 + math.e) - 0.7
    ce1 = math.log(1 + math.e**2) - 1.2
    expected = (ce0 + ce1) / 2
    assert loss(logits, soft, 0.0).item() == pytest.approx(expected, rel=1e-6)
    # xent ignores the training progress
    assert loss(logits, soft, 0.7).item() == pytest.approx(expected, rel=1e-6)


def test_xent_hard_labels_is_nll():
    loss = get_loss("xent")
    logits = logits_for([0.8, 0.3])
    soft = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    # -(log 0.8 + log 0.7) / 2
    assert loss(logits, soft, 0.0).item() == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# logconf: alpha schedules


def test_logconf_paper_schedule_alpha():
    loss = get_loss("logconf", alpha_max=0.5)  # schedule "paper" is the default
    assert loss.schedule == "paper"
    assert loss.warmup_frac == pytest.approx(0.2)
    # alpha = 0.5 * min(1, s / 0.2)
    assert loss.alpha(0.0) == pytest.approx(0.0)
    assert loss.alpha(0.1) == pytest.approx(0.25)
    assert loss.alpha(0.2) == pytest.approx(0.5)
    assert loss.alpha(0.9) == pytest.approx(0.5)
    assert loss.alpha(1.0) == pytest.approx(0.5)


def test_logconf_reference_schedule_alpha_and_jump():
    ref = get_loss("logconf", alpha_max=0.5, schedule="reference")
    assert ref.warmup_frac == pytest.approx(0.1)
    # alpha = 0.5 * s while s <= 0.1, then 0.5
    assert ref.alpha(0.0) == pytest.approx(0.0)
    assert ref.alpha(0.05) == pytest.approx(0.025)
    assert ref.alpha(0.1) == pytest.approx(0.05)
    assert ref.alpha(0.11) == pytest.approx(0.5)
    assert ref.alpha(0.9) == pytest.approx(0.5)

    paper = get_loss("logconf", alpha_max=0.5, schedule="paper")
    grid = [i / 1000 for i in range(1001)]

    def max_step(loss):
        return max(abs(loss.alpha(b) - loss.alpha(a)) for a, b in zip(grid, grid[1:]))

    # "paper" ramps at slope 0.5 / 0.2 = 2.5 per unit, so a 0.001 step moves alpha by <= 0.0025
    assert max_step(paper) <= 0.0025 + 1e-9
    # "reference" jumps from 0.05 to 0.5 right after s = 0.1 (docs/reference_differences.md §3)
    assert max_step(ref) == pytest.approx(0.45, abs=1e-3)


def test_logconf_explicit_warmup_frac_overrides_default():
    loss = get_loss("logconf", alpha_max=0.5, warmup_frac=0.5)
    # alpha = 0.5 * 0.25 / 0.5
    assert loss.alpha(0.25) == pytest.approx(0.25)
    assert get_loss("logconf", alpha_max=0.75, warmup_frac=0.0).alpha(0.0) == pytest.approx(0.75)


# ---------------------------------------------------------------------------------------------
# logconf: hardening and loss values

# Student p1 = [0.9, 0.2, 0.45, 0.3]; weak soft p1 = [0.6, 0.4, 0.2, 0.8] (mean 0.5 -> 2 of 4 hardened to 1).
# The top 2 by *student* p1 are examples 0 (0.9) and 2 (0.45): example 2 is hardened to class 1 although its
# p1 < 0.5 (so the threshold is not 0.5), and example 3 is not although it has the highest soft label
# (so the ranking uses the student, not the weak labels).  hard1 = [1, 0, 1, 0].
STUDENT_P1 = [0.9, 0.2, 0.45, 0.3]
SOFT_P1 = [0.6, 0.4, 0.2, 0.8]


def test_logconf_target_hardens_top_half_by_student():
    loss = get_loss("logconf", alpha_max=1.0)
    # alpha_max = 1 at the end of training: the target is the hardened prediction itself
    t = loss.target(logits_for(STUDENT_P1), soft_for(SOFT_P1), 1.0)
    expected = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert torch.allclose(t, expected, atol=1e-6)


def test_logconf_value_during_warmup():
    loss = get_loss("logconf", alpha_max=0.5, warmup_frac=0.2, schedule="paper")
    # step 0.1 -> alpha 0.25; t1 = 0.75 * soft1 + 0.25 * hard1
    #   ex0: 0.75*0.6 + 0.25 = 0.70;  ex1: 0.75*0.4 = 0.30;  ex2: 0.75*0.2 + 0.25 = 0.40;  ex3: 0.75*0.8 = 0.60
    expected = (bce(0.70, 0.9) + bce(0.30, 0.2) + bce(0.40, 0.45) + bce(0.60, 0.3)) / 4
    got = loss(logits_for(STUDENT_P1), soft_for(SOFT_P1), 0.1)
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_logconf_value_after_warmup():
    loss = get_loss("logconf", alpha_max=0.5, warmup_frac=0.2, schedule="paper")
    # step 1.0 -> alpha 0.5; t1 = 0.5 * soft1 + 0.5 * hard1
    #   ex0: 0.3 + 0.5 = 0.8;  ex1: 0.2;  ex2: 0.1 + 0.5 = 0.6;  ex3: 0.4
    expected = (bce(0.8, 0.9) + bce(0.2, 0.2) + bce(0.6, 0.45) + bce(0.4, 0.3)) / 4
    got = loss(logits_for(STUDENT_P1), soft_for(SOFT_P1), 1.0)
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_logconf_at_step_zero_equals_xent():
    logits, soft = logits_for(STUDENT_P1), soft_for(SOFT_P1)
    a = get_loss("logconf")(logits, soft, 0.0).item()
    b = get_loss("xent")(logits, soft, 0.0).item()
    assert a == pytest.approx(b, rel=1e-6)


def test_logconf_reference_schedule_value_just_after_warmup():
    # "reference" at step 0.11 uses alpha = 0.5 already, so it equals the after-warm-up value above
    loss = get_loss("logconf", alpha_max=0.5, schedule="reference")
    expected = (bce(0.8, 0.9) + bce(0.2, 0.2) + bce(0.6, 0.45) + bce(0.4, 0.3)) / 4
    got = loss(logits_for(STUDENT_P1), soft_for(SOFT_P1), 0.11)
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_logconf_class_prior_from_weak_labels():
    # soft p1 = [0.1, 0.2, 0.3, 0.4]: mean 0.25 -> round(0.25 * 4) = 1 example hardened to class 1,
    # the one with the highest student p1 (example 1, 0.95), though every student p1 is > 0.5.
    student = [0.6, 0.95, 0.7, 0.8]
    soft = [0.1, 0.2, 0.3, 0.4]
    hard_only = get_loss("logconf", alpha_max=1.0)
    t = hard_only.target(logits_for(student), soft_for(soft), 1.0)
    expected = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    assert torch.allclose(t, expected, atol=1e-6)
    # loss against the pure hard target: -(log 0.4 + log 0.95 + log 0.3 + log 0.2) / 4
    want = -(math.log(0.4) + math.log(0.95) + math.log(0.3) + math.log(0.2)) / 4
    assert hard_only(logits_for(student), soft_for(soft), 1.0).item() == pytest.approx(want, rel=1e-5)

    # with alpha 0.5: t1 = 0.5 * soft1 + 0.5 * hard1 = [0.05, 0.6, 0.15, 0.2]
    half = get_loss("logconf", alpha_max=0.5)
    t = half.target(logits_for(student), soft_for(soft), 1.0)
    assert torch.allclose(t[:, 1], torch.tensor([0.05, 0.6, 0.15, 0.2]), atol=1e-6)
    assert torch.allclose(t.sum(-1), torch.ones(4), atol=1e-6)


def test_logconf_half_prior_hardens_half_the_batch_whatever_the_weak_labels():
    # The same batch as above (weak mean 0.25), with the paper's balanced-task prior (App. A.4, p. 33):
    # 2 of 4 examples become class 1, the student's two highest p1 (examples 1, 0.95 and 3, 0.8).
    student = [0.6, 0.95, 0.7, 0.8]
    soft = [0.1, 0.2, 0.3, 0.4]
    t = get_loss("logconf", alpha_max=1.0, prior="half").target(logits_for(student), soft_for(soft), 1.0)
    assert t[:, 1].tolist() == [0.0, 1.0, 0.0, 1.0]
    # all-zero weak labels: "weak" hardens nothing to class 1 (test below), "half" still half of them
    t = get_loss("logconf", alpha_max=1.0, prior="half").target(
        logits_for([0.99, 0.9, 0.2, 0.1]), soft_for([0.0] * 4), 1.0
    )
    assert t[:, 1].tolist() == [1.0, 1.0, 0.0, 0.0]
    # an odd batch: floor(0.5 * 5 + 0.5) = 3 of 5 (the same rounding as the weak prior's)
    t = get_loss("logconf", alpha_max=1.0, prior="half").target(
        logits_for([0.1, 0.2, 0.3, 0.4, 0.5]), soft_for([0.0] * 5), 1.0
    )
    assert t[:, 1].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]


def test_logconf_ranks_by_logit_difference_where_probabilities_tie():
    # Margins 20 and 30 give class-1 probabilities that both round to 1.0 in float32, and -7 and -5 give
    # distinct ones; a ranking by probability would harden example 0 (batch order breaks the tie).
    logits = torch.tensor([[0.0, 20.0], [0.0, 30.0], [2.0, -5.0], [0.0, -5.0]])
    p1 = torch.softmax(logits, -1)[:, 1]
    assert p1[0] == p1[1] == 1.0
    one = soft_for([0.25, 0.25, 0.25, 0.25])  # weak prior 0.25: one example of 4 becomes class 1
    t = get_loss("logconf", alpha_max=1.0).target(logits, one, 1.0)
    assert t[:, 1].tolist() == [0.0, 1.0, 0.0, 0.0]
    # with the half prior: the two largest margins; then, with three of four (weak prior 0.75), the
    # third is example 3 (margin -5 beats -7)
    t = get_loss("logconf", alpha_max=1.0, prior="half").target(logits, one, 1.0)
    assert t[:, 1].tolist() == [1.0, 1.0, 0.0, 0.0]
    t = get_loss("logconf", alpha_max=1.0).target(logits, soft_for([0.75] * 4), 1.0)
    assert t[:, 1].tolist() == [1.0, 1.0, 0.0, 1.0]
    # shifting both logits of a row changes no margin, so no hardened label
    shifted = logits + torch.tensor([[100.0], [-50.0], [3.0], [0.0]])
    assert get_loss("logconf", alpha_max=1.0).target(shifted, one, 1.0)[:, 1].tolist() == [0.0, 1.0, 0.0, 0.0]


def test_reference_codes_quantile_threshold_counts_ceil_q_times_b_minus_1():
    """What LogConfLoss's docstring says of openai/weak-to-strong's threshold: ``torch.quantile`` of the
    batch's class-0 probabilities at the weak prior q hardens ceil(q (B - 1)) examples to class 1; ours
    hardens floor(q B + 0.5)."""
    gen = torch.Generator().manual_seed(0)
    for batch in (4, 7, 32):
        for q in (0.0, 0.1, 0.35, 0.5, 0.9, 1.0):
            p0 = torch.rand(batch, generator=gen)
            reference = int((p0 < torch.quantile(p0, q)).sum())  # logconf_loss_fn's class-1 examples
            assert reference == math.ceil(q * (batch - 1))
            logits = torch.stack([p0.log(), (1 - p0).log()], -1)
            ours = get_loss("logconf", alpha_max=1.0).target(logits, soft_for([q] * batch), 1.0)[:, 1].sum()
            assert int(ours) == math.floor(q * batch + 0.5)
    # where they differ, with B = 32: q = 0.9 -> 28 there, 29 here
    assert (math.ceil(0.9 * 31), math.floor(0.9 * 32 + 0.5)) == (28, 29)


def test_logconf_prior_names_valid_choices_and_half_is_binary_only():
    from w2s_lib.core.losses import PRIORS

    assert PRIORS == ("half", "weak")
    assert get_loss("logconf").prior == "weak"
    with pytest.raises(ValueError, match="unknown logconf prior 'uniform'; valid: half, weak"):
        get_loss("logconf", prior="uniform")
    three = torch.softmax(torch.randn(3, 3), -1)
    with pytest.raises(ValueError, match="prior='weak'"):
        get_loss("logconf", prior="half").target(three.log(), three, 1.0)


def test_logconf_no_positive_class_when_weak_labels_all_zero():
    # mean soft p1 = 0 -> nothing hardened to class 1 (even a very confident student)
    t = get_loss("logconf", alpha_max=1.0).target(logits_for([0.99, 0.9]), soft_for([0.0, 0.0]), 1.0)
    assert torch.allclose(t, torch.tensor([[1.0, 0.0], [1.0, 0.0]]), atol=1e-6)


def test_logconf_gradient_is_soft_xent_against_fixed_target():
    loss = get_loss("logconf", alpha_max=0.5, warmup_frac=0.2)
    logits = logits_for(STUDENT_P1).requires_grad_(True)
    loss(logits, soft_for(SOFT_P1), 0.1).backward()
    # target t1 at step 0.1 = [0.70, 0.30, 0.40, 0.60] (see above); grad = (softmax - t) / B, B = 4
    #   class 1: (0.9-0.7)/4 = 0.05, (0.2-0.3)/4 = -0.025, (0.45-0.4)/4 = 0.0125, (0.3-0.6)/4 = -0.075
    g1 = torch.tensor([0.05, -0.025, 0.0125, -0.075])
    expected = torch.stack([-g1, g1], dim=-1)
    assert torch.allclose(logits.grad, expected, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# product


def test_product_value_and_target_two_examples():
    loss = get_loss("product")  # alpha = beta = 1
    logits = logits_for([0.4, 0.8])  # student [0.6, 0.4], [0.2, 0.8]
    soft = torch.tensor([[0.25, 0.75], [0.8, 0.2]])
    # ex0: [0.6*0.25, 0.4*0.75] = [0.15, 0.30] -> [1/3, 2/3]
    # ex1: [0.2*0.8, 0.8*0.2] = [0.16, 0.16] -> [1/2, 1/2]
    t = loss.target(logits, soft, 0.0)
    assert torch.allclose(t, torch.tensor([[1 / 3, 2 / 3], [0.5, 0.5]]), atol=1e-6)
    ce0 = -(1 / 3 * math.log(0.6) + 2 / 3 * math.log(0.4))
    ce1 = -(0.5 * math.log(0.2) + 0.5 * math.log(0.8))
    assert loss(logits, soft, 0.0).item() == pytest.approx((ce0 + ce1) / 2, rel=1e-5)


def test_product_exponents():
    loss = get_loss("product", alpha=2.0, beta=0.5)
    logits = logits_for([0.36])  # student [0.64, 0.36]
    soft = torch.tensor([[0.5, 0.5]])
    # [0.64^0.5 * 0.5^2, 0.36^0.5 * 0.5^2] = [0.8, 0.6] * 0.25 -> [4/7, 3/7]
    t = loss.target(logits, soft, 0.0)
    assert torch.allclose(t, torch.tensor([[4 / 7, 3 / 7]]), atol=1e-6)
    want = -(4 / 7 * math.log(0.64) + 3 / 7 * math.log(0.36))
    assert loss(logits, soft, 0.0).item() == pytest.approx(want, rel=1e-5)


def test_product_target_carries_no_gradient():
    loss = get_loss("product")
    logits = logits_for([0.4, 0.8]).requires_grad_(True)
    soft = torch.tensor([[0.25, 0.75], [0.8, 0.2]])
    loss(logits, soft, 0.0).backward()
    # target fixed at [[1/3, 2/3], [1/2, 1/2]]; grad = (softmax - t) / 2
    #   ex0: ([0.6, 0.4] - [1/3, 2/3]) / 2 = [0.4/3, -0.4/3];  ex1: ([0.2, 0.8] - [0.5, 0.5]) / 2 = [-0.15, 0.15]
    expected = torch.tensor([[0.4 / 3, -0.4 / 3], [-0.15, 0.15]])
    assert torch.allclose(logits.grad, expected, atol=1e-6)


@pytest.mark.parametrize("name", LOSSES)
def test_losses_stable_for_confident_logits(name):
    loss = get_loss(name)
    # the last row is a confident student against a weak label of the opposite class: in probability space
    # the product target would be e^-200 * 1 and 1 * 0, both 0 in float32, and 0/0 = nan
    logits = torch.tensor(
        [[50.0, -50.0], [-50.0, 50.0], [50.0, -50.0], [-50.0, 50.0], [100.0, -100.0]], requires_grad=True
    )
    soft = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 0.0], [0.0, 1.0]])
    target = loss.target(logits.detach(), soft, 0.5)
    assert torch.isfinite(target).all()
    assert torch.allclose(target.sum(-1), torch.ones(5), atol=1e-6)
    value = loss(logits, soft, 0.5)
    assert torch.isfinite(value)
    value.backward()
    assert torch.isfinite(logits.grad).all()


def test_product_confident_student_follows_itself():
    # student [1, ~e^-100], weak [0.5, 0.5]: target -> [1, ~0], so the loss is ~0, not nan
    loss = get_loss("product")
    logits = torch.tensor([[50.0, -50.0]], requires_grad=True)
    value = loss(logits, torch.tensor([[0.5, 0.5]]), 0.0)
    assert value.item() == pytest.approx(0.0, abs=1e-6)
    value.backward()
    assert torch.isfinite(logits.grad).all()


# ---------------------------------------------------------------------------------------------
# errors


def test_unknown_loss_names_valid_choices():
    with pytest.raises(ValueError) as err:
        get_loss("hinge")
    msg = str(err.value)
    assert "hinge" in msg
    for name in LOSSES:
        assert name in msg


def test_unknown_schedule_names_valid_choices():
    with pytest.raises(ValueError) as err:
        get_loss("logconf", schedule="cosine")
    msg = str(err.value)
    assert "cosine" in msg
    for name in SCHEDULES:
        assert name in msg


def test_alpha_max_out_of_range():
    with pytest.raises(ValueError):
        get_loss("logconf", alpha_max=1.5)


# ---------------------------------------------------------------------------------------------
# The confidence loss for many classes (ImageNet): hard labels follow the weak labels' class prior


def test_prior_counts_largest_remainder():
    from w2s_lib.core.losses import prior_counts

    # 3 * [.5, .3, .2] = [1.5, .9, .6]: floors [1, 0, 0], the two largest remainders (.9, .6) get one each
    assert prior_counts([0.5, 0.3, 0.2], 3).tolist() == [1, 1, 1]
    assert prior_counts([0.5, 0.25, 0.25], 4).tolist() == [2, 1, 1]
    assert prior_counts([1.0, 0.0, 0.0], 5).tolist() == [5, 0, 0]
    counts = prior_counts(torch.rand(1000).numpy(), 128)
    assert counts.sum() == 128 and counts.min() >= 0


def test_many_class_logconf_hand_case():
    """Three examples, three classes. The student puts every example on class 0, but the weak labels'
    prior is uniform, so the hardened labels must use each class once. Of the 6 labelings, the most
    likely under the student is (0, 1, 2): .7 * .3 * .4 = .084 (next: (1, 0, 2) with .048)."""
    p = [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.5, 0.1, 0.4]]
    soft = [[0.2, 0.5, 0.3], [0.5, 0.2, 0.3], [0.3, 0.3, 0.4]]  # mean [1/3, 1/3, 1/3]
    logits = torch.tensor(p).log()
    loss = get_loss("logconf", alpha_max=0.5)
    # past the warm-up alpha = 0.5: target = 0.5 * soft + 0.5 * onehot((0, 1, 2))
    target = [[0.6, 0.25, 0.15], [0.25, 0.6, 0.15], [0.15, 0.15, 0.7]]
    assert torch.allclose(loss.target(logits, torch.tensor(soft), 1.0), torch.tensor(target))
    hand = -sum(t * math.log(q) for trow, prow in zip(target, p) for t, q in zip(trow, prow)) / 3
    assert hand == pytest.approx(1.082665, abs=1e-6)
    assert loss(logits, torch.tensor(soft), 1.0).item() == pytest.approx(hand, abs=1e-6)
    # at the start of training alpha = 0: plain cross-entropy against the weak labels
    assert loss(logits, torch.tensor(soft), 0.0).item() == pytest.approx(
        get_loss("xent")(logits, torch.tensor(soft)).item(), abs=1e-6
    )


def test_many_class_hard_labels_follow_an_unequal_prior():
    from w2s_lib.core.losses import balanced_hard_labels

    # prior [.5, .25, .25] over 4 examples: two of class 0, one each of 1 and 2. Examples 0 and 1 are
    # the student's surest class-0 cases, so they keep class 0; example 2 prefers 2 over 1 (.3 > .1).
    p = torch.tensor([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.6, 0.1, 0.3], [0.55, 0.4, 0.05]])
    soft = torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    assert balanced_hard_labels(p.log(), soft).tolist() == [0, 0, 2, 1]


def test_many_class_rule_reduces_to_the_binary_threshold():
    """For two classes the assignment is the paper's adaptive threshold (the K = 2 code path)."""
    from w2s_lib.core.losses import balanced_hard_labels

    gen = torch.Generator().manual_seed(0)
    loss = get_loss("logconf", alpha_max=1.0)
    for _ in range(50):
        n = int(torch.randint(2, 40, (1,), generator=gen))
        logits = torch.randn(n, 2, generator=gen) * 2
        soft = torch.softmax(torch.randn(n, 2, generator=gen) * 2, -1)
        binary = loss.target(logits, soft, 1.0).argmax(-1)  # alpha = 1: the hard labels themselves
        assert balanced_hard_labels(logits, soft).tolist() == binary.tolist()


def test_many_class_logconf_gradient_matches_the_target():
    """The target is detached: the gradient is that of cross-entropy against a fixed distribution."""
    logits = torch.randn(8, 5, requires_grad=True)
    soft = torch.softmax(torch.randn(8, 5), -1)
    loss = get_loss("logconf", alpha_max=0.75)
    loss(logits, soft, 0.5).backward()
    target = loss.target(logits.detach(), soft, 0.5)
    expected = (torch.softmax(logits.detach(), -1) - target) / 8
    assert torch.allclose(logits.grad, expected, atol=1e-6)
    assert torch.allclose(target.sum(-1), torch.ones(8))
