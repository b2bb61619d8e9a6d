"""The protocol's variants for the analysis figures: error structures, label in prompt, probes of a
finetuned model, difficulty filtering."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tests.support.settings import FAST
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp.protocol import (
    WEAK_ERRORS,
    RunConfig,
    _gt,
    error_reference,
    item_difficulty,
    prepare_data,
    run_dir,
    run_or_load,
    structured_weak_labels,
)
from w2s_lib.nlp.results import collect, collect_histories
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import plan_sweep


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="module")
def w2s(root):
    data, every = DataSettings(n_train=400, n_test=100), ModelSettings(train=FAST)
    plan = plan_sweep(["synth_sentiment"], ["tiny-1", "tiny-2"], ["xent"], [0], data=data, every=every)
    (cfg,) = plan.w2s
    for dep in [cfg.weak, error_reference(cfg)]:
        run_or_load(dep, root, progress=False)
    return cfg


@pytest.mark.parametrize("rule", WEAK_ERRORS[1:])
def test_error_structures_keep_the_supervisors_accuracy(root, w2s, rule):
    items = prepare_data(w2s.data).B_train
    y = _gt(items)
    sup = structured_weak_labels(w2s, root, items)
    n_err = int(((sup > 0.5) != y).sum())
    assert n_err > 0
    labels = structured_weak_labels(dataclasses.replace(w2s, weak_errors=rule), root, items)
    assert set(np.unique(labels)) <= {0.0, 1.0}
    wrong = np.flatnonzero(labels != y)
    assert len(wrong) == n_err
    length = np.array([len(it["txt"]) for it in items])
    if rule == "longest":
        assert length[wrong].min() >= np.sort(length)[::-1][n_err - 1]
    if rule == "shortest":
        assert length[wrong].max() <= np.sort(length)[n_err - 1]
    if rule.startswith("strong_"):
        ref = pd.read_parquet(run_dir(error_reference(w2s), root) / "weak_labels.parquet").set_index("id")
        p = ref.loc[[it["id"] for it in items], "p1"].to_numpy()
        conf = np.abs(p - 0.5)
        if rule == "strong_least_confident":
            assert conf[wrong].max() <= np.sort(conf)[n_err - 1]
        else:
            right = (p > 0.5) == y
            k = min(n_err, right.sum())
            assert right[wrong].sum() == k
            assert conf[wrong][right[wrong]].min() >= np.sort(conf[right])[::-1][k - 1]


def test_random_errors_differ_from_the_real_ones(root, w2s):
    items = prepare_data(w2s.data).B_train
    real = structured_weak_labels(dataclasses.replace(w2s, hard_weak_labels=True), root, items)
    rand = structured_weak_labels(dataclasses.replace(w2s, weak_errors="random"), root, items)
    assert (real != rand).any() and (real != _gt(items)).sum() == (rand != _gt(items)).sum()


def test_variant_runs_train_record_and_stay_comparable(root, w2s):
    runs = [dataclasses.replace(w2s, weak_errors="longest"), dataclasses.replace(w2s, weak_label_in_prompt=True)]
    for cfg in runs:
        run_or_load(cfg, root, progress=False)
    df = collect(root)
    rows = df[df.variant.isin(["longest", "label-in-prompt"])]
    assert len(rows) == 2 and rows["weak_acc"].notna().all()
    # both are compared with the plain ceiling (trained on ground truth, no prompt trick)
    assert rows["strong_acc"].isna().all() or rows["strong_acc"].nunique() == 1
    hist = collect_histories(root)
    h = hist[hist.run.isin(rows.run)]
    assert {"test_agreement_supervisor_right", "test_agreement_supervisor_wrong", "progress"} <= set(h.columns)
    assert h["test_agreement_all"].between(0, 1).all()


def test_label_in_prompt_shows_the_supervisors_label(root, w2s, monkeypatch):
    seen = {}
    import w2s_lib.nlp.train as train

    real = train.train_classifier

    def spy(model, tok, texts, y, cfg, **kw):
        seen["train"], seen["y"], seen["test"] = texts, y, kw["test_texts"]
        return real(model, tok, texts, y, cfg, **kw)

    monkeypatch.setattr(train, "train_classifier", spy)
    cfg = dataclasses.replace(w2s, weak_label_in_prompt=True, train=dataclasses.replace(w2s.train, seed=7))
    run_or_load(cfg, root, progress=False)
    for txt, y in zip(seen["train"], seen["y"]):
        assert txt.endswith(f"I think this is {'correct' if y > 0.5 else 'incorrect'}. What do you think?")
    sup = pd.read_parquet(run_dir(w2s.weak, root) / "test_predictions.parquet")["p1"].to_numpy()
    assert all(
        t.endswith("incorrect. What do you think?" if p <= 0.5 else " correct. What do you think?")
        for t, p in zip(seen["test"], sup)
    )


def test_probe_of_a_finetuned_model_keeps_its_backbone(root, w2s):
    """ft(weak)+lp(gt): the backbone is the weak-to-strong run's, frozen; only a fresh head trains."""
    from w2s_lib.models.classifier import load_classifier

    probe = RunConfig(
        data=w2s.data, model=w2s.model, labels="gt", half="B", train=w2s.train, linear_probe=True, init_from=w2s
    )
    m = run_or_load(probe, root, checkpoint=True, progress=False)
    assert m["variant"] == "lp+from-w2s" and 0 <= m["test_acc"] <= 1
    base = load_classifier(run_dir(w2s, root) / "checkpoint")
    tuned = load_classifier(run_dir(probe, root) / "checkpoint")
    for (k, a), b in zip(base.backbone.state_dict().items(), tuned.backbone.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), k
    assert not np.array_equal(base.head.weight.detach().numpy(), tuned.head.weight.detach().numpy())


def test_item_difficulty_by_hand(tmp_path):
    """difficulty = smallest model index from which every larger model is right."""
    from w2s_lib.nlp.protocol import DataConfig

    data = DataConfig(task="synth_keyword", n_train=40, n_test=10)
    runs = [RunConfig(data=data, model=m) for m in ("tiny-1", "tiny-2", "tiny-3")]
    # items 0..3; rows: which model is right on which item
    right = {"tiny-1": [1, 0, 1, 0], "tiny-2": [1, 1, 0, 0], "tiny-3": [1, 1, 1, 0]}
    items = [{"id": i, "hard_label": 1} for i in range(4)]
    for r in runs:
        d = run_dir(r, tmp_path)
        d.mkdir(parents=True)
        pd.DataFrame({"id": range(4), "label": 1, "p1": [0.9 if ok else 0.1 for ok in right[r.model]]}).to_parquet(
            d / "weak_labels.parquet"
        )
    assert item_difficulty(runs, tmp_path, items).tolist() == [0, 1, 2, 3]


def test_difficulty_filter_trains_on_easy_items_only(root, w2s):
    sizes = [w2s.weak, error_reference(w2s)]  # tiny-1 and tiny-2 trained on half A
    base = RunConfig(data=w2s.data, model="tiny-2", labels="gt", half="B", train=w2s.train)
    items = prepare_data(w2s.data).B_train
    level = item_difficulty(sizes, root, items)
    easiest = int(level.min())
    assert 0 < (level <= easiest).sum() < len(items)
    ms = [
        run_or_load(dataclasses.replace(base, difficulty_runs=tuple(sizes), difficulty_max=k), root, progress=False)
        for k in (easiest, 2)
    ]
    assert ms[0]["n_train"] == (level <= easiest).sum() < ms[1]["n_train"] == len(items)
    capped = run_or_load(
        dataclasses.replace(base, difficulty_runs=tuple(sizes), difficulty_max=2, difficulty_n=50), root, progress=False
    )
    assert capped["n_train"] == 50


def test_bad_variant_options_are_refused(w2s):
    with pytest.raises(ValueError, match="valid: real, random"):
        dataclasses.replace(w2s, weak_errors="sideways")
    with pytest.raises(ValueError, match="need a weak supervisor"):
        RunConfig(data=w2s.data, model="tiny-2", half="B", weak_errors="random")


def test_difficulty_sweep_equal_sizes_and_cutoff_names(tmp_path):
    from w2s_lib.nlp.sweep import difficulty_sweep

    data, every = DataSettings(n_train=300, n_test=60), ModelSettings(train=FAST)
    df = difficulty_sweep(tmp_path, "synth_sentiment", ["tiny-1", "tiny-2"], 0, data=data, every=every)
    assert len(df) % 2 == 0 and len(df) <= 2 * 3  # 2 models x cutoffs {tiny-1, tiny-2, all} that have items
    assert df["n_train"].nunique() == 1
    assert "all" in set(df["cutoff_model"]) and set(df["cutoff_model"]) <= {"all", "tiny-1", "tiny-2"}
    assert df["role"].eq("ceiling").all()


def test_with_variant_and_probe_of_build_distinct_runs(w2s):
    from w2s_lib.nlp.protocol import run_name
    from w2s_lib.nlp.sweep import probe_of, with_variant

    (v,) = with_variant([w2s], weak_errors="random")
    assert v.weak_errors == "random" and v.weak == w2s.weak and run_name(v) != run_name(w2s)
    p = probe_of(w2s)
    assert (p.labels, p.half, p.linear_probe, p.init_from) == ("gt", "B", True, w2s)
    import json

    assert RunConfig.from_dict(json.loads(json.dumps(dataclasses.asdict(p)))) == p


def test_train_label_agreement_by_hand():
    """Fig. 26's quantity: agreement with the (hardened) training labels, split by whether they are right."""
    from w2s_lib.nlp.protocol import train_label_agreement

    student = [0.9, 0.2, 0.7, 0.4, 0.6]  # hard: 1 0 1 0 1
    labels = [0.8, 0.3, 0.1, 0.6, 0.5]  # hard: 1 0 0 1 0 (0.5 is class 0)
    gt = [1, 0, 1, 1, 0]  # labels right on items 0, 1, 3, 4; wrong on item 2
    got = train_label_agreement(student, labels, gt)
    assert got == {
        "train_label_agreement_all": pytest.approx(2 / 5),
        "train_label_agreement_label_right": pytest.approx(2 / 4),
        "train_label_agreement_label_wrong": 0.0,
    }


def test_train_label_agreement_of_a_structure_comes_from_its_own_labels(root, w2s):
    """A "random" student is scored against its own flipped labels on its training items, not against the
    supervisor (whose test predictions the agreement_* metrics compare with)."""
    from w2s_lib.models.classifier import load_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.protocol import TRAIN_LABEL_AGREEMENT, train_label_agreement
    from w2s_lib.nlp.train import predict

    cfg = dataclasses.replace(w2s, weak_errors="random")
    m = run_or_load(cfg, root, checkpoint=True, progress=False)
    items = prepare_data(cfg.data).B_train
    ckpt = run_dir(cfg, root) / "checkpoint"
    model, tok = load_classifier(ckpt), load_tokenizer(str(ckpt / "tokenizer"))
    p1 = predict(model, tok, [it["txt"] for it in items], cfg.train.max_len)[:, 1]
    y = _gt(items)
    own = train_label_agreement(p1, structured_weak_labels(cfg, root, items), y)
    for k in TRAIN_LABEL_AGREEMENT:
        assert m[k] == pytest.approx(own[k], abs=1e-9), k
    sup = train_label_agreement(p1, structured_weak_labels(w2s, root, items), y)
    assert own != sup  # the supervisor's labels give other numbers
    assert m["train_label_agreement_all"] != pytest.approx(m["agreement_all"])


def test_probes_train_by_the_papers_probe_recipe(w2s):
    """Paper App. D.2: Adam, lr 1e-3, batch 128, no weight decay, 200 epochs, early stopping on validation
    agreement with the probe's own labels, whatever the finetuned run it probes used (lr, epochs, batch)."""
    from w2s_lib.nlp.sweep import PROBE_RECIPE, plan_sweep, probe_of, probe_settings

    ft = dataclasses.replace(
        w2s,
        train=dataclasses.replace(
            w2s.train, lr=1e-5, epochs=2.0, batch_size=32, minibatch_size=8, min_evals=20, evals_per_epoch=10
        ),
    )
    want = dict(optimizer="adam", lr=1e-3, batch_size=128, weight_decay=0.0, epochs=200.0, select="val")
    assert PROBE_RECIPE == want
    t = probe_of(ft).train
    assert {k: getattr(t, k) for k in want} == want
    assert (t.loss, t.minibatch_size, t.max_len) == ("xent", 8, ft.train.max_len)
    # the finetuning's 10 evaluations per epoch would be 2000 over 200 epochs: the default schedule instead
    assert (t.eval_every, t.min_evals, t.evals_per_epoch) == (0, 8, 0.0)
    assert probe_of(ft, epochs=6).train.epochs == 6.0  # smoke presets shorten the epochs only
    plan = plan_sweep(["synth_sentiment"], ["tiny-1", "tiny-2"], ["xent"], [0], every=probe_settings(6, max_len=32))
    for run in plan.runs:
        assert run.linear_probe and run.train.max_len == 32
        assert {k: getattr(run.train, k) for k in want} == {**want, "epochs": 6.0}
