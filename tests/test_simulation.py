import numpy as np
import pytest

from w2s_lib.simulation import load_features, simulation_experiment


def test_simulatable_errors_are_imitated_random_ones_are_not():
    X, y = load_features("sklearn:digits")
    df = simulation_experiment(X, y, ks=(8, 16, 32), mixed_k=16, noise=(0.1, 0.0))
    sim = df[df.kind == "simulatable"].set_index("k")
    rnd = df[df.kind == "random"].set_index("k")
    # matched accuracy: the random flips are as many as the weak model's errors
    np.testing.assert_allclose(sim["weak_acc"], rnd["weak_acc"], atol=1e-9)
    # the student imitates simulatable errors and sees through random ones
    assert (sim["agreement"] > 0.95).all() and (rnd["agreement"] < sim["agreement"]).all()
    gain = rnd["student_acc"] - sim["student_acc"]
    assert (gain > 0).all() and gain.mean() > 0.04, gain
    mixed = df[df.kind == "mixed"].set_index("noise")
    assert mixed.loc[0.0, "student_acc"] == pytest.approx(sim.loc[16, "student_acc"])


def test_feature_sources_and_errors():
    X, y = load_features("sklearn:breast_cancer", n=100, seed=1)
    assert X.shape == (100, 30) and set(np.unique(y)) == {0, 1}
    X2, _ = load_features("sklearn:breast_cancer", n=100, seed=1)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="valid: sklearn:digits"):
        load_features("mnist")


def test_model_features_are_cached(tmp_path):
    X, y = load_features("tiny-1:synth_keyword", n=40, cache_dir=tmp_path)
    assert X.shape == (40, 16) and len(y) == 40
    (path,) = (tmp_path / "features").iterdir()
    X2, y2 = load_features("tiny-1:synth_keyword", n=40, cache_dir=tmp_path)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
