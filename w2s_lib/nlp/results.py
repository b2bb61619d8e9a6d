"""The NLP results table: every finished NLP run of a results folder as one tidy row (``collect``), with its
supervisor's and ceiling's accuracies and PGR, and the runs' training histories (``collect_histories``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from w2s_lib.core import cache, runs
from w2s_lib.nlp.protocol import HALVES, ceiling_config, lineage, run_name, supervisors


def collect(root: str | Path) -> pd.DataFrame:
    """One row per finished run under ``root``; weak-to-strong rows get weak_acc, strong_acc and pgr.

    ``weak_acc`` is the supervisor's test accuracy and ``strong_acc`` that of the matching ceiling
    (same model, data and training settings, trained on ground truth); missing ones give nan.

    A bootstrap step is measured against its chain's original supervisor, as the paper's Fig. 4 (b) reads
    to us (hue = initial supervisor, PGR recovered from it): ``weak_acc`` and ``weak_model`` are those of the
    ground-truth half-A run at the root of the chain, and ``strong_acc`` is the step model's own ceiling.
    ``via``, ``bootstrap_step`` and ``bootstrap_steps`` (``protocol.lineage``) tell such rows apart.
    """
    from w2s_lib.core.metrics import pgr

    root = Path(root)
    rows, configs = [], {}
    for d, record in nlp_runs(root):
        m = cache.read_json(d / cache.METRICS_FILE)
        cfg = runs.load_config(record)
        configs[d.name] = cfg
        rows.append({**m, **lineage(cfg), "run": d.name, "dir": str(d.relative_to(root))})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    acc = dict(zip(df["run"], df["test_acc"]))
    weak_acc, strong_acc = [], []
    for run in df["run"]:
        cfg = configs[run]
        if cfg.weak is None:
            weak_acc.append(np.nan)
            strong_acc.append(np.nan)
            continue
        weak_acc.append(acc.get(run_name(supervisors(cfg)[0]), np.nan))
        ceil = [acc.get(run_name(ceiling_config(cfg, h)), np.nan) for h in HALVES]
        strong_acc.append(ceil[1] if not np.isnan(ceil[1]) else ceil[0])
    df["weak_acc"], df["strong_acc"] = weak_acc, strong_acc
    df = mark_students(df)
    for col, acc_col in (("pgr", "test_acc"), ("pgr_last", "test_acc_last"), ("pgr_oracle", "test_acc_oracle")):
        df[col] = [pgr(w, s2, s) for w, s2, s in zip(df["weak_acc"], df[acc_col], df["strong_acc"])]
    front = ["task", "role", "weak_model", "model", "loss", "seed", "weak_acc", "test_acc", "strong_acc", "pgr"]
    return df[front + [c for c in df.columns if c not in front]].sort_values(["task", "role", "run"], ignore_index=True)


def mark_students(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``student_mode`` (how a model learnt: "probe" on frozen features, or "finetune" whole) and
    ``one_class`` (it put every test item in one class: a collapsed run, flagged rather than averaged away;
    runs that predate ``test_frac_class1`` are not flagged)."""
    frac = df["test_frac_class1"] if "test_frac_class1" in df else pd.Series(np.nan, index=df.index)
    probe = df["linear_probe"].astype("boolean").fillna(False).astype(bool)
    return df.assign(student_mode=np.where(probe, "probe", "finetune"), one_class=frac.isin([0.0, 1.0]))


def nlp_runs(root: str | Path):
    """The finished classifier runs under ``root`` (kind "nlp"; runs cached before kinds were recorded are
    such runs), without the prompting, generative-finetuning or other settings' runs that share the root; each
    with its config.json, read once."""
    for d in cache.iter_runs(Path(root)):
        record = runs.read_record(d)
        if record.get("kind", "nlp") == "nlp":
            yield d, record


def collect_histories(root: str | Path) -> pd.DataFrame:
    """Every evaluation of every finished classifier run: one row per (run, step), with the run's identity."""
    frames = []
    for d, _ in nlp_runs(root):
        m = cache.read_json(d / cache.METRICS_FILE)
        h = pd.DataFrame(cache.read_json(d / "history.json"))
        for key in ("run", "role", "task", "model", "weak_model", "loss", "seed"):
            h[key] = m.get(key)
        frames.append(h)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
