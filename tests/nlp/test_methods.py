"""The methods' losses and label rules against values computed by hand, and the registry's rules."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from w2s_lib.core.losses import get_loss, objective, soft_xent
from w2s_lib.nlp import methods
from w2s_lib.nlp.methods import labels, probes


def _logits(p1: float) -> torch.Tensor:
    return torch.tensor([[0.0, math.log(p1 / (1 - p1))]])


def test_entropy_loss_mixes_cross_entropy_and_the_students_entropy_by_alpha():
    loss = get_loss("entropy", alpha_max=0.5, warmup_frac=0.2)
    logits, q = _logits(0.8), torch.tensor([[0.3, 0.7]])
    ce = -(0.3 * math.log(0.2) + 0.7 * math.log(0.8))
    h = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8))
    assert loss(logits, q, 0.1).item() == pytest.approx(0.75 * ce + 0.25 * h, rel=1e-5)  # alpha 0.25 mid warm-up
    assert loss(logits, q, 0.9).item() == pytest.approx(0.5 * ce + 0.5 * h, rel=1e-5)
    assert loss(logits, q, 0.0).item() == pytest.approx(ce, rel=1e-5)


def test_reverse_kl_is_kl_of_student_from_weak_and_differs_from_xent_in_gradient():
    loss = get_loss("reverse_kl")
    logits, q = _logits(0.8), torch.tensor([[0.4, 0.6]])
    expected = 0.2 * math.log(0.2 / 0.4) + 0.8 * math.log(0.8 / 0.6)
    assert loss(logits, q).item() == pytest.approx(expected, rel=1e-5)
    x = logits.clone().requires_grad_(True)
    objective(loss, x, loss.target(x, q, 0.0), 0.0).backward()
    y = logits.clone().requires_grad_(True)
    soft_xent(y, q).backward()
    assert not torch.allclose(x.grad, y.grad)


def test_window_loss_has_no_gradient_inside_the_window_and_pulls_to_its_edge_outside():
    loss = get_loss("window", radius=0.2)
    q = torch.tensor([[0.4, 0.6]])
    inside = _logits(0.7).requires_grad_(True)  # within 0.2 of 0.6
    loss(inside, q).backward()
    assert torch.allclose(inside.grad, torch.zeros(1, 2), atol=1e-6)
    outside = _logits(0.95)
    assert loss.target(outside, q, 0.0)[0, 1].item() == pytest.approx(0.8, abs=1e-6)  # the window's upper edge


def _ctx(p1, feats=None, others=()):
    p1 = np.asarray(p1, np.float32)
    return methods.LabelContext(
        items=list(range(len(p1))), p1=p1, gt=np.zeros(len(p1)), n_train=len(p1), seed=0,
        others=[np.asarray(o, np.float32) for o in others], features=lambda: feats,
    )  # fmt: skip


def test_confident_only_keeps_the_labels_farthest_from_one_half():
    keep, p1 = labels.confident(_ctx([0.5, 0.9, 0.45, 0.05, 0.6, 0.2]), keep=0.5)
    assert keep.tolist() == [False, True, False, True, False, True]
    assert p1.tolist() == pytest.approx([0.5, 0.9, 0.45, 0.05, 0.6, 0.2])


def test_ensemble_averages_the_supervisors_and_self_training_takes_the_previous_round():
    assert labels.ensemble(_ctx([0.2, 0.8], others=[[0.6, 0.4]]))[1].tolist() == pytest.approx([0.4, 0.6])
    assert labels.own_labels(_ctx([0.2, 0.8], others=[[0.9, 0.1]]))[1].tolist() == pytest.approx([0.9, 0.1])


# two tight clusters on a line; item 2 sits in cluster A but its weak label says B
FEATS = np.array([[1, 0.0], [1, 0.05], [1, 0.1], [1, 0.02], [0, 1.0], [0.05, 1], [0.1, 1], [0.02, 1]], np.float32)
WEAK = np.array([0.1, 0.2, 0.9, 0.1, 0.8, 0.9, 0.7, 0.95], np.float32)


def test_knn_probe_is_the_mean_weak_label_of_the_other_nearest_items():
    nbrs = probes.neighbours(FEATS, 3)
    assert all(i not in row for i, row in enumerate(nbrs))
    assert set(nbrs[2]) == {0, 1, 3}
    assert probes.knn_p1(FEATS, WEAK, 3)[2] == pytest.approx((0.1 + 0.2 + 0.1) / 3)


def test_probe_filter_drops_the_items_where_the_probe_disagrees_most():
    keep, p1 = probes.probe_filter(_ctx(WEAK, FEATS), "knn", drop=0.125, k=3)
    assert keep.tolist() == [True, True, False, True, True, True, True, True]
    assert p1.tolist() == pytest.approx(WEAK.tolist())  # filtering keeps the weak labels


def test_topological_filter_cuts_off_an_item_whose_neighbours_carry_the_other_label():
    keep, _ = probes.topo_filter(_ctx(WEAK, FEATS), k=3)
    assert keep.tolist() == [True, True, False, True, True, True, True, True]


def test_logistic_probe_predicts_each_item_from_folds_that_left_it_out():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 1, (40, 3)), rng.normal(2, 1, (40, 3))]).astype(np.float32)
    weak = np.r_[np.full(40, 0.2), np.full(40, 0.8)].astype(np.float32)
    weak[5] = 0.9  # a wrong weak label in the first cluster: a probe that never saw it calls it class 0
    p = probes.logreg_p1(x, weak, seed=0, folds=5)
    assert p[5] < 0.5 and (p[:40] < 0.5).mean() > 0.9 and (p[40:] > 0.5).mean() > 0.9


def test_no_label_rule_reads_the_ground_truth():
    import inspect

    for name, rule in methods.TRANSFORMS.items():
        assert "ctx.gt" not in inspect.getsource(rule), name


def test_an_unknown_method_names_the_registered_ones():
    with pytest.raises(ValueError, match="registered: naive, .*logconf"):
        methods.pick(["nope"])
    assert [m.name for m in methods.pick(["window"])] == ["naive", "window"]
    assert len(methods.METHODS) >= 10 and all(m.source and m.summary for m in methods.METHODS.values())


def test_bootstrap_and_ensemble_say_what_they_miss():
    from w2s_lib.nlp.compare import CompareSpec

    kw = dict(tasks=["synth_sentiment"], supervisors=["tiny-1"], students=["tiny-2"], n_train=200, n_test=100)
    with pytest.raises(ValueError, match="bootstrap.*intermediate student between tiny-1 and tiny-2"):
        CompareSpec.from_params({**kw, "methods": ["bootstrap"]})
    with pytest.raises(ValueError, match="ensembl.*second supervisor"):
        CompareSpec.from_params({**kw, "methods": ["ensemble"]})


def test_every_method_run_shares_the_naive_students_supervisor_data_and_model():
    from w2s_lib.nlp.compare import CompareSpec

    spec = CompareSpec.from_params(
        dict(tasks=["synth_sentiment"], supervisors=["tiny-1", "tiny-2"], students=["tiny-2", "tiny-3"], n_train=200)
    )
    planned, skipped = spec.plan()
    assert {m for m, _, _ in planned} == set(methods.METHODS)
    assert set(skipped) == {"bootstrap", "ensemble"}  # tiny-2 has no intermediate and no second smaller supervisor
    for name, naive, run in planned:
        root = run
        while root.weak is not None:
            root = root.weak
        assert (root, run.data, run.model) == (naive.weak, naive.data, naive.model), name
        if name == "naive":
            assert run == naive
    self_train = next(r for m, _, r in planned if m == "self-train")
    assert self_train.label_runs[0].label_runs[0].transform == ""  # round 2 <- round 1 <- the naive student
    assert dataclasses.replace(self_train.label_runs[0], transform="", label_runs=()) == dataclasses.replace(
        self_train, transform="", label_runs=()
    )
