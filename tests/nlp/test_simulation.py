import numpy as np
import pytest

from w2s_lib.nlp.simulation import _logreg, load_features, simulation_data, simulation_experiment


def test_simulatable_errors_are_imitated_random_ones_are_not():
    X, y = load_features("sklearn:digits")
    df = simulation_experiment(X, y, ks=(8, 16, 32), mixed_k=16, noise=(0.1, 0.0))
    sim = df[df.kind == "simulatable"].set_index("k")
    rnd = df[df.kind == "random"].set_index("k")
    # matched accuracy: the random flips are as many as the weak model's errors
    np.testing.assert_allclose(sim["weak_acc"], rnd["weak_acc"], atol=1e-9)
    # the student imitates simulatable errors and sees through random ones
    assert (sim["agreement"] > 0.9).all() and (rnd["agreement"] < sim["agreement"]).all()
    assert (sim["train_agreement"] > 0.95).all()
    gain = rnd["student_acc"] - sim["student_acc"]
    assert (gain > 0).all() and gain.mean() > 0.04, gain
    mixed = df[df.kind == "mixed"].set_index("noise")
    assert mixed.loc[0.0, "student_acc"] == pytest.approx(sim.loc[16, "student_acc"])


def test_splits_are_disjoint_and_of_the_stated_sizes():
    X, y = load_features("sklearn:digits")  # 1797 items
    df = simulation_experiment(X, y, ks=(8,), n_weak=700, n_student=800, n_test=297)
    parts = df.attrs["splits"]
    assert [len(parts[p]) for p in ("weak", "student", "test")] == [700, 800, 297]
    assert len(set(parts["weak"]) | set(parts["student"]) | set(parts["test"])) == 1797
    rest = simulation_experiment(X, y, ks=(8,), n_weak=700, n_test=300).attrs["splits"]
    assert len(rest["student"]) == 1797 - 700 - 300  # n_student=None: the rest
    with pytest.raises(ValueError, match="disjoint parts"):
        simulation_experiment(X, y, ks=(8,), n_weak=1000, n_student=800, n_test=100)


def test_grid_of_students_at_least_as_large_as_their_supervisor():
    X, y = load_features("sklearn:digits")
    ks, students = (4, 8, 16), (4, 8, 16, 32)
    df = simulation_experiment(X, y, ks=ks, student_ks=students, mixed_k=8, noise=(0.1, 0.0), n_weak=700, n_test=300)
    want = {(k, s) for k in ks for s in students if s >= k}
    for kind in ("simulatable", "random"):
        part = df[df.kind == kind]
        assert set(zip(part["k"], part["student_k"])) == want and len(part) == len(want)
    mixed = df[df.kind == "mixed"]
    assert set(zip(mixed["noise"], mixed["student_k"])) == {(nz, s) for nz in (0.1, 0.0) for s in (8, 16, 32)}
    # each student's ceiling is its own feature count's
    assert df.groupby("student_k")["strong_acc"].nunique().eq(1).all()
    with pytest.raises(ValueError, match="must lie in 1..64"):
        simulation_experiment(X, y, ks=(8,), student_ks=(100,))


def test_agreement_is_measured_on_test_items():
    """Agreement is the student's test predictions against its weak model's test predictions (paper p. 42),
    recomputed here from the splits; train_agreement is the one on the student's own training part."""
    X, y = load_features("sklearn:digits")
    k, kk = 4, 16
    df = simulation_experiment(X, y, ks=(k,), student_ks=(kk,), n_weak=700, n_student=800, n_test=297)
    parts = {p: np.array(v) for p, v in df.attrs["splits"].items()}
    wk, st, te = parts["weak"], parts["student"], parts["test"]
    weak = _logreg(X[wk][:, :k], y[wk], 0)
    labels = weak.predict(X[st][:, :k])
    student = _logreg(X[st][:, :kk], labels, 0)
    row = df[df.kind == "simulatable"].iloc[0]
    assert row["agreement"] == pytest.approx((student.predict(X[te][:, :kk]) == weak.predict(X[te][:, :k])).mean())
    assert row["train_agreement"] == pytest.approx((student.predict(X[st][:, :kk]) == labels).mean())
    assert row["agreement"] != row["train_agreement"]
    assert row["weak_test_acc"] == pytest.approx((weak.predict(X[te][:, :k]) == y[te]).mean())


def test_a_given_test_set_is_the_test_part():
    X, y = load_features("sklearn:breast_cancer")
    Xt, yt = X[:100], y[:100]
    df = simulation_experiment(X[100:], y[100:], ks=(3, 10), n_weak=200, test=(Xt, yt))
    assert df.attrs["splits"]["test"] is None and len(df.attrs["splits"]["student"]) == len(y) - 300
    weak = _logreg(
        X[100:][np.array(df.attrs["splits"]["weak"])][:, :3], y[100:][np.array(df.attrs["splits"]["weak"])], 0
    )
    row = df[(df.kind == "simulatable") & (df.k == 3)].iloc[0]
    assert row["weak_test_acc"] == pytest.approx((weak.predict(Xt[:, :3]) == yt).mean())


def test_feature_sources_and_errors():
    X, y = load_features("sklearn:breast_cancer", n=100, seed=1)
    assert X.shape == (100, 30) and set(np.unique(y)) == {0, 1}
    X2, _ = load_features("sklearn:breast_cancer", n=100, seed=1)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="valid: sklearn:digits"):
        load_features("mnist")
    with pytest.raises(ValueError, match="no test split"):
        load_features("sklearn:digits", split="test")


def test_model_features_are_cached(tmp_path):
    X, y = load_features("tiny-1:synth_keyword", n=40, cache_dir=tmp_path)
    assert X.shape == (40, 16) and len(y) == 40
    (path,) = (tmp_path / "features").iterdir()
    X2, y2 = load_features("tiny-1:synth_keyword", n=40, cache_dir=tmp_path)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_model_features_test_split_is_the_tasks_test_set(tmp_path):
    from w2s_lib.data import load_items

    X, y, (Xt, yt) = simulation_data("tiny-1:synth_keyword", n=40, n_test=30, cache_dir=tmp_path)
    assert X.shape == (40, 16) and Xt.shape == (30, 16)
    assert sorted(yt.tolist()) == sorted(it["hard_label"] for it in load_items("synth_keyword", "test", 30, 0))
    assert len(list((tmp_path / "features").iterdir())) == 2
    assert simulation_data("sklearn:digits")[2] is None
