"""Simulatable vs unsimulatable weak errors with linear probes on fixed features (paper App. E.1, Fig. 24).

A weak model that sees only the first k features makes errors a student with all the features can
*simulate* (imitate exactly); random label flips at the same accuracy cannot be simulated. The paper
finds that students gain almost nothing over simulatable supervisors and a lot over random noise.
All models are scikit-learn logistic regressions, as in the paper; the weak labels are hard labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURE_SOURCES = ("sklearn:digits", "sklearn:breast_cancer")


def load_features(source: str, *, seed: int = 0, n: int | None = None, cache_dir=None):
    """Features X [N, D] and binary labels y [N] from ``source``.

    * ``"sklearn:digits"``: 8x8 digit images shipped in scikit-learn's wheel, label = digit >= 5;
    * ``"sklearn:breast_cancer"``: 30 tumour measurements, label = benign;
    * ``"<model>:<task>"``: the mean-pooled frozen features of a model (preset, Hub id or path) on a
      task's test+train items, embedded once and cached under ``cache_dir`` (safetensors).
    """
    if source == "sklearn:digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        X, y = d.data.astype(np.float32), (d.target >= 5).astype(int)
    elif source == "sklearn:breast_cancer":
        from sklearn.datasets import load_breast_cancer

        d = load_breast_cancer()
        X, y = d.data.astype(np.float32), d.target.astype(int)
    elif source.count(":") == 1:
        model, task = source.split(":")
        X, y = _model_features(model, task, seed=seed, n=n, cache_dir=cache_dir)
    else:
        raise ValueError(f"unknown feature source {source!r}; valid: {', '.join(FEATURE_SOURCES)}, or MODEL:TASK")
    perm = np.random.default_rng(seed).permutation(len(y))
    if n is not None:
        perm = perm[:n]
    return X[perm], y[perm]


def _model_features(model: str, task: str, *, seed: int, n: int | None, cache_dir):
    from pathlib import Path

    from safetensors.numpy import load_file, save_file

    from w2s_lib.data import load_items
    from w2s_lib.models import build_classifier, load_tokenizer
    from w2s_lib.train import tokenize

    path = None
    if cache_dir is not None:
        slug = f"{model}_{task}_{seed}_{n}".replace("/", "--")
        path = Path(cache_dir) / "features" / f"{slug}.safetensors"
        if path.exists():
            arrays = load_file(str(path))
            return arrays["X"], arrays["y"].astype(int)
    import torch

    items = load_items(task, "train", n, seed)
    tok = load_tokenizer(model)
    clf = build_classifier(model, pooling="mean", linear_probe=True, tokenizer=tok).eval()
    seqs = tokenize(tok, [it["txt"] for it in items], 256)
    feats = []
    from w2s_lib.train import collate

    with torch.inference_mode():
        for i in range(0, len(seqs), 64):
            ids, mask = collate(seqs[i : i + 64], tok.pad_token_id, "cpu")
            feats.append(clf.pooled(ids, mask).float().numpy())
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
    weak_frac: float = 0.43,
    test_frac: float = 0.2,
    seed: int = 0,
    student_cv: bool = False,
) -> pd.DataFrame:
    """Fig. 24's three panels as rows.

    The data is split into a weak-training part (``weak_frac``, the paper's 10k of 23k), the student's
    part and a test part. Rows have ``kind`` ("simulatable": the weak model uses the first k features;
    "random": ground truth with random flips matched to that weak model's accuracy on the student's
    part; "mixed": the first-``mixed_k``-features model plus extra random flips of a fraction
    ``noise``), ``k``, ``noise``, ``weak_acc``, ``student_acc`` (test) and ``agreement`` (the student's
    agreement with the weak labels on its own training part). ``strong_acc`` is the all-features probe
    trained on ground truth; ``weak_test_acc`` the weak model's test accuracy. ``student_cv`` picks the
    students' (and the ceiling's) regularization by cross-validation on their own training labels
    (weak labels for students: no ground truth), for feature sets small enough to memorise noise.
    """
    rng = np.random.default_rng(seed)
    n = len(y)
    perm = rng.permutation(n)
    n_test, n_weak = int(test_frac * n), int(weak_frac * n)
    te, wk, st = perm[:n_test], perm[n_test : n_test + n_weak], perm[n_test + n_weak :]
    strong = _logreg(X[st], y[st], seed, cv=student_cv)
    strong_acc = float((strong.predict(X[te]) == y[te]).mean())
    rows = []

    def student_row(kind, k, nz, labels, weak_test_acc):
        model = _logreg(X[st], labels, seed, cv=student_cv) if len(np.unique(labels)) > 1 else None
        pred_te = model.predict(X[te]) if model is not None else np.full(len(te), labels[0])
        pred_st = model.predict(X[st]) if model is not None else np.full(len(st), labels[0])
        rows.append(
            dict(
                kind=kind,
                k=k,
                noise=nz,
                weak_acc=float((labels == y[st]).mean()),
                weak_test_acc=weak_test_acc,
                student_acc=float((pred_te == y[te]).mean()),
                agreement=float((pred_st == labels).mean()),
                strong_acc=strong_acc,
            )
        )

    weak_preds = {}
    for k in ks:
        weak = _logreg(X[wk][:, :k], y[wk], seed)
        labels = weak.predict(X[st][:, :k])
        weak_test_acc = float((weak.predict(X[te][:, :k]) == y[te]).mean())
        weak_preds[k] = (labels, weak_test_acc)
        student_row("simulatable", k, 0.0, labels, weak_test_acc)
        n_err = int((labels != y[st]).sum())
        # a generator per k, so a row does not depend on which other ks were asked for
        flip = np.random.default_rng([seed, k]).choice(len(st), n_err, replace=False)
        noisy = y[st].copy()
        noisy[flip] = 1 - noisy[flip]
        student_row("random", k, 0.0, noisy, weak_test_acc)
    if mixed_k is not None:
        if mixed_k not in weak_preds:
            raise ValueError(f"mixed_k={mixed_k} must be one of ks={ks}")
        base, weak_test_acc = weak_preds[mixed_k]
        for nz in noise:
            labels = base.copy()
            flip = np.random.default_rng([seed, mixed_k, int(nz * 1e6)]).choice(
                len(st), int(round(nz * len(st))), replace=False
            )
            labels[flip] = 1 - labels[flip]
            student_row("mixed", mixed_k, nz, labels, weak_test_acc)
    return pd.DataFrame(rows)
