"""Simulatable vs unsimulatable weak errors with linear probes on fixed features (paper App. E.1, Fig. 24).

A weak model that sees only the first k features makes errors a student with all the features can
*simulate* (imitate exactly); random label flips at the same accuracy cannot be simulated. The paper
finds that students gain almost nothing over simulatable supervisors and a lot over random noise.
All models are scikit-learn logistic regressions, as in the paper; the weak labels are hard labels.

As in the paper (p. 42-43): weak models and students train on disjoint parts (10k and ~13k of SciQ's
training items there), every weak model M_k supervises every student M_k' with k' >= k, and agreement is
measured on test items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURE_SOURCES = ("sklearn:digits", "sklearn:breast_cancer")


def load_features(
    source: str,
    *,
    seed: int = 0,
    n: int | None = None,
    cache_dir=None,
    split: str = "train",
    pooling: str | None = "mean",
):
    """Features X [N, D] and binary labels y [N] from ``source``.

    * ``"sklearn:digits"``: 8x8 digit images shipped in scikit-learn's wheel, label = digit >= 5;
    * ``"sklearn:breast_cancer"``: 30 tumour measurements, label = benign;
    * ``"<model>:<task>"``: the mean-pooled frozen features of a model (preset, Hub id or path) on a
      task's ``split`` ("train" or "test") items, embedded once and cached under ``cache_dir`` (safetensors).
      ``pooling``: "mean" (the default), "last", or None for the model preset's own: then the features
      are exactly those its linear probes train on, so the on-disk feature cache (``w2s_lib.models.features``)
      holds them once for both.

    The sklearn sources are one pool without a test split (``split="train"`` only).
    """
    check_source(source)
    if split not in ("train", "test"):
        raise ValueError(f"unknown split {split!r}; valid: train, test")
    if source.startswith("sklearn:") and split != "train":
        raise ValueError(f"{source} has no test split; valid: split='train' (carve a test part with n_test)")
    if source == "sklearn:digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        X, y = d.data.astype(np.float32), (d.target >= 5).astype(int)
    elif source == "sklearn:breast_cancer":
        from sklearn.datasets import load_breast_cancer

        d = load_breast_cancer()
        X, y = d.data.astype(np.float32), d.target.astype(int)
    else:  # MODEL:TASK (check_source)
        model, task = source.split(":")
        X, y = _model_features(model, task, seed=seed, n=n, cache_dir=cache_dir, split=split, pooling=pooling)
    perm = np.random.default_rng(seed).permutation(len(y))
    if n is not None:
        perm = perm[:n]
    return X[perm], y[perm]


def check_source(source: str) -> None:
    """Refuse a feature source that ``load_features`` cannot read, naming the valid ones."""
    if source in FEATURE_SOURCES or (not source.startswith("sklearn:") and source.count(":") == 1):
        return
    raise ValueError(f"unknown feature source {source!r}; valid: {', '.join(FEATURE_SOURCES)}, or MODEL:TASK")


def simulation_data(
    source: str,
    *,
    seed: int = 0,
    n: int | None = None,
    n_test: int | None = None,
    cache_dir=None,
    pooling: str | None = "mean",
):
    """Fig. 24's data: ``(X, y, test)``. For ``MODEL:TASK`` the pool is the task's training split (``n`` items)
    and ``test`` its test split (``n_test`` items, None: all), as the paper's SciQ experiment (10k + 13k of the
    training items, tested on held-out items); for the sklearn sources ``test`` is None and
    ``simulation_experiment`` carves its test part out of the pool. ``pooling``: as ``load_features``."""
    X, y = load_features(source, seed=seed, n=n, cache_dir=cache_dir, pooling=pooling)
    if source.startswith("sklearn:"):
        return X, y, None
    return X, y, load_features(source, seed=seed, n=n_test, cache_dir=cache_dir, split="test", pooling=pooling)


def _model_features(
    model: str, task: str, *, seed: int, n: int | None, cache_dir, split: str = "train", pooling: str | None = "mean"
):
    from pathlib import Path

    from safetensors.numpy import load_file, save_file

    from w2s_lib.data import load_items
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.train import tokenize

    path = None
    if cache_dir is not None:
        tail = ("" if split == "train" else "_" + split) + ("" if pooling == "mean" else f"_{pooling or 'preset'}")
        slug = f"{model}_{task}_{seed}_{n}{tail}".replace("/", "--")
        path = Path(cache_dir) / "features" / f"{slug}.safetensors"
        if path.exists():
            arrays = load_file(str(path))
            return arrays["X"], arrays["y"].astype(int)
    import torch

    items = load_items(task, split, n, seed)
    tok = load_tokenizer(model)
    from w2s_lib.nlp.train import collate, default_device

    device = default_device()  # a GPU when there is one: the paper preset embeds ~25k SciQ items with gpt2-xl
    clf = build_classifier(model, pooling=pooling, linear_probe=True, tokenizer=tok).eval().to(device)
    seqs = tokenize(tok, [it["txt"] for it in items], 256)
    feats = []
    with torch.inference_mode():
        for i in range(0, len(seqs), 64):
            ids, mask = collate(seqs[i : i + 64], tok.pad_token_id, device)
            feats.append(clf.pooled(ids, mask).float().cpu().numpy())
    X = np.concatenate(feats).astype(np.float32)
    y = np.array([it["hard_label"] for it in items])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        save_file({"X": X, "y": y.astype(np.int64)}, str(tmp))
        tmp.replace(path)
    return X, y


def _logreg(X, y, seed, cv: bool = False):
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if cv:  # regularization chosen by 5-fold cross-validation on the model's own training labels
        lr = LogisticRegressionCV(Cs=np.logspace(-3, 1, 9), cv=5, max_iter=2000, random_state=seed)
    else:  # sklearn defaults, as the paper
        lr = LogisticRegression(max_iter=2000, random_state=seed)
    # behind a scaler, so that lbfgs converges on raw features
    import warnings

    with warnings.catch_warnings():  # scikit-learn 1.9 announces changes of defaults we do not rely on
        warnings.simplefilter("ignore", FutureWarning)
        return make_pipeline(StandardScaler(), lr).fit(X, y)


def simulation_experiment(
    X: np.ndarray,
    y: np.ndarray,
    *,
    ks: tuple[int, ...],
    mixed_k: int | None = None,
    noise: tuple[float, ...] = (0.1, 0.07, 0.05, 0.01, 0.0),
    student_ks: tuple[int, ...] | None = None,
    n_weak: int | None = None,
    n_student: int | None = None,
    n_test: int | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    weak_frac: float = 0.43,
    test_frac: float = 0.2,
    seed: int = 0,
    student_cv: bool = False,
) -> pd.DataFrame:
    """Fig. 24's three panels as rows (paper App. E.1, p. 42-43).

    Three disjoint parts: the weak models train on one (``n_weak`` items; the paper: 10k), label another for
    the students (``n_student``, None: the rest; the paper: the other ~13k), and a test part (``n_test``
    items of the pool, or the given ``test = (X_test, y_test)``, e.g. the task's test split). Without sizes
    the pool is split by ``weak_frac`` and ``test_frac``. The row-wise frame's ``attrs["splits"]`` holds
    the pool indices of each part (``"test"`` is None for a given test set).

    Weak labellers: "simulatable", the model on the first k features (k in ``ks``); "random", ground truth
    with as many random flips as that model's errors (on the students' part, and on the test part as many
    as its test errors); "mixed", the first-``mixed_k``-features model plus random flips of a fraction
    ``noise`` (on both parts). Each labeller's labels train every student M_k' with k' >= k, k' in
    ``student_ks`` (the paper's grid; None: one student on all features).

    Rows: ``kind``, ``k``, ``student_k``, ``noise``, ``weak_acc`` (the labels' accuracy on the students'
    part), ``weak_test_acc`` (the labeller's test accuracy), ``student_acc`` (test), ``agreement`` (the
    student's test predictions against the labeller's test labels, as the paper reports it),
    ``train_agreement`` (against its own training labels), ``strong_acc`` (the student_k model trained on
    ground truth of the students' part, tested). ``student_cv`` picks the students' (and ceilings')
    regularization by cross-validation on their own training labels (no ground truth for students), for
    feature sets small enough to memorise noise.
    """
    n, d = X.shape
    ks, student_ks = _feature_counts(ks, student_ks, mixed_k, d)
    sizes = (n_test if test is None else 0, n_weak, n_student)
    te_idx, wk, st = _parts(n, np.random.default_rng(seed), sizes, test is not None, weak_frac, test_frac)
    X_te, y_te = (X[te_idx], y[te_idx]) if test is None else (np.asarray(test[0]), np.asarray(test[1]))
    students = _Students(X[st], y[st], X_te, y_te, student_ks, seed, student_cv)
    weak_preds = _simulatable_and_random(students, X[wk], y[wk], ks, seed)
    if mixed_k is not None:
        _mixed(students, *weak_preds[mixed_k], mixed_k, noise, seed)
    df = pd.DataFrame(students.out)
    df.attrs["splits"] = {
        "weak": wk.tolist(),
        "student": st.tolist(),
        "test": None if test is not None else te_idx.tolist(),
    }
    return df


def _feature_counts(ks, student_ks, mixed_k, d: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The weak and student feature counts, sorted and deduplicated (None students: one on all ``d``)."""
    ks = tuple(sorted(set(int(k) for k in ks)))
    student_ks = (d,) if student_ks is None else tuple(sorted(set(int(k) for k in student_ks)))
    if not ks or ks[0] < 1 or max(ks + student_ks) > d:
        raise ValueError(f"feature counts ks={ks}, student_ks={student_ks} must lie in 1..{d}")
    if mixed_k is not None and mixed_k not in ks:
        raise ValueError(f"mixed_k={mixed_k} must be one of ks={ks}")
    return ks, student_ks


def _simulatable_and_random(students: _Students, X_wk, y_wk, ks, seed) -> dict:
    """For each k: the weak model M_k's labels ("simulatable") and ground truth with as many random flips
    ("random") train the students; returns k -> (labels, test labels) of M_k, which "mixed" builds on."""
    weak_preds = {}
    for k in ks:
        weak = _logreg(X_wk[:, :k], y_wk, seed)
        labels, test_labels = weak.predict(students.X[:, :k]), weak.predict(students.X_te[:, :k])
        weak_preds[k] = (labels, test_labels)
        students.rows("simulatable", k, 0.0, labels, test_labels)
        # the flips get keys of their own so the random rows do not depend on which other ks were asked for
        noisy = _flip(students.y, int((labels != students.y).sum()), (seed, k))
        noisy_test = _flip(students.y_te, int((test_labels != students.y_te).sum()), (seed, k, 1))
        students.rows("random", k, 0.0, noisy, noisy_test)
    return weak_preds


def _mixed(students: _Students, base, base_test, mixed_k: int, noise, seed) -> None:
    """The "mixed" labellers: M_mixed_k's labels plus random flips of each fraction in ``noise``."""
    for nz in noise:
        key = (seed, mixed_k, int(nz * 1e6))
        labels = _flip(base, int(round(nz * len(base))), key)
        test_labels = _flip(base_test, int(round(nz * len(base_test))), (*key, 1))
        students.rows("mixed", mixed_k, nz, labels, test_labels)


def _parts(n: int, rng, sizes, given_test: bool, weak_frac: float, test_frac: float):
    """Pool indices of the test, weak and student parts: disjoint, from one permutation of the pool."""
    n_test, n_weak, n_student = sizes
    perm = rng.permutation(n)
    n_te = 0 if given_test else int(test_frac * n) if n_test is None else int(n_test)
    n_wk = int(weak_frac * n) if n_weak is None else int(n_weak)
    n_st = n - n_te - n_wk if n_student is None else int(n_student)
    if min(n_wk, n_st) < 1 or (not given_test and n_te < 1) or n_te + n_wk + n_st > n:
        raise ValueError(
            f"{n} items cannot make disjoint parts of n_test={n_te}, n_weak={n_wk}, n_student={n_st} (each >= 1)"
        )
    return perm[:n_te], perm[n_te : n_te + n_wk], perm[n_te + n_wk : n_te + n_wk + n_st]


def _flip(labels: np.ndarray, count: int, key: tuple) -> np.ndarray:
    """``labels`` with ``count`` entries flipped, drawn by a generator of its own per key, so a row does not
    depend on which other ks were asked for."""
    out = labels.copy()
    idx = np.random.default_rng(list(key)).choice(len(out), count, replace=False)
    out[idx] = 1 - out[idx]
    return out


class _Students:
    """The students' part and the test part: trains every student M_k' on a labeller's labels, one row each."""

    def __init__(self, X, y, X_te, y_te, student_ks, seed, cv):
        self.X, self.y, self.X_te, self.y_te = X, y, X_te, y_te
        self.student_ks, self.seed, self.cv = student_ks, seed, cv
        self.strong = {kk: self._acc(_logreg(X[:, :kk], y, seed, cv=cv), kk) for kk in student_ks}
        self.out: list[dict] = []

    def _acc(self, model, kk) -> float:
        return float((model.predict(self.X_te[:, :kk]) == self.y_te).mean())

    def rows(self, kind: str, k: int, nz: float, labels, test_labels) -> None:
        for kk in (kk for kk in self.student_ks if kk >= k):
            if len(np.unique(labels)) > 1:
                model = _logreg(self.X[:, :kk], labels, self.seed, cv=self.cv)
                pred_te, pred_st = model.predict(self.X_te[:, :kk]), model.predict(self.X[:, :kk])
            else:
                pred_te, pred_st = np.full(len(self.y_te), labels[0]), np.full(len(self.y), labels[0])
            self.out.append(
                dict(
                    kind=kind,
                    k=k,
                    student_k=kk,
                    noise=nz,
                    weak_acc=float((labels == self.y).mean()),
                    weak_test_acc=float((test_labels == self.y_te).mean()),
                    student_acc=float((pred_te == self.y_te).mean()),
                    agreement=float((pred_te == test_labels).mean()),
                    train_agreement=float((pred_st == labels).mean()),
                    strong_acc=self.strong[kk],
                )
            )
