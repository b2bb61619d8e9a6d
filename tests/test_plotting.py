"""The plotting module on a small synthetic results table: the right curves, axes, stamp and files."""

from __future__ import annotations

import itertools
import json
import math

import matplotlib
import matplotlib.pyplot as plt  # the conftest sets MPLBACKEND=Agg before this import
import numpy as np
import pandas as pd
import pytest

from w2s_lib import plotting as P

MODELS = ["tiny-1", "tiny-2", "tiny-3"]
LOSSES = ("xent", "logconf")
BASE = {"tiny-1": 0.6, "tiny-2": 0.7, "tiny-3": 0.8}


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    """A ``results.collect``-shaped table: 3 tiny models, 2 losses, 2 seeds, accuracies as fractions."""
    rng = np.random.default_rng(0)
    rows = []
    for seed, m in itertools.product((0, 1), MODELS):
        for role, acc in (("weak", BASE[m] - 0.05), ("ceiling", BASE[m])):
            rows.append(dict(task="t", role=role, weak_model=None, model=m, loss="xent", seed=seed,
                             test_acc=acc + rng.normal(0, 0.01)))  # fmt: skip
    for seed, (w, s), loss in itertools.product((0, 1), itertools.combinations(MODELS, 2), LOSSES):
        wa, sa = BASE[w] - 0.05, BASE[s]
        acc = wa + (0.3 if loss == "xent" else 0.6) * (sa - wa) + rng.normal(0, 0.01)
        agree = dict(
            agreement_all=0.9, agreement_supervisor_right=0.95, agreement_supervisor_wrong=0.5 - 0.1 * MODELS.index(s)
        )  # falls with student size
        rows.append(dict(task="t", role="w2s", weak_model=w, model=s, loss=loss, seed=seed, weak_acc=wa,
                         test_acc=acc, strong_acc=sa, pgr=(acc - wa) / (sa - wa), **agree))  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_model_x_and_unknown_model():
    assert P.model_x("tiny-1") < P.model_x("tiny-2") < P.model_x("gpt2") < P.model_x("gpt2-xl")
    with pytest.raises(KeyError, match="'nope': no preset and no config"):
        P.model_x("nope")


def test_a_hub_model_without_a_preset_is_placed_by_its_counted_parameters():
    """Any causal LM may be a student (e.g. in the chess notebooks): its x is counted from its config."""
    from transformers import AutoModelForCausalLM, GPT2Config

    from tests.support.hub_layouts import hub_model

    config = GPT2Config(n_embd=32, n_layer=2, n_head=2, vocab_size=300, n_positions=64)
    hub_model("someone/tiny-lm-for-axes", config)
    backbone = AutoModelForCausalLM.from_config(config).transformer  # the counted part: no LM head
    assert P.model_x("someone/tiny-lm-for-axes") == sum(p.numel() for p in backbone.parameters())


def test_weak_palette_is_ordered_by_size_and_stable():
    pal = P.weak_palette(["tiny-3", "tiny-1", "tiny-2"])
    assert list(pal) == MODELS
    assert pal == P.weak_palette(["tiny-2", "tiny-3", "tiny-1"])
    lum = [np.dot(matplotlib.colors.to_rgb(c), [0.299, 0.587, 0.114]) for c in pal.values()]
    assert lum == sorted(lum, reverse=True), "small supervisors light, large ones dark"


def test_style_is_a_context_manager_that_restores():
    before = dict(matplotlib.rcParams)
    with P.style():
        assert matplotlib.rcParams["pdf.fonttype"] == 42
    assert matplotlib.rcParams["pdf.fonttype"] == before["pdf.fonttype"]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]


def test_accuracy_vs_student(results):
    ax = P.plot_accuracy_vs_student(results, losses=LOSSES)
    assert ax.get_xscale() == "log"
    # tiny-1 supervises tiny-2 and tiny-3, tiny-2 supervises tiny-3: 2 supervisors x 2 losses + ceiling
    assert sorted(ln.get_gid() for ln in P.curves(ax)) == sorted(
        f"w2s|{w}|{loss}" for w in ("tiny-1", "tiny-2") for loss in LOSSES
    )
    (ceiling,) = P.curves(ax, "ceiling")
    assert list(ceiling.get_xdata()) == [P.model_x(m) for m in MODELS]
    assert np.allclose(ceiling.get_ydata(), [100 * BASE[m] for m in MODELS], atol=2)  # percent, seed mean
    naive = P.curves(ax, "w2s|tiny-1|xent")[0]
    aux = P.curves(ax, "w2s|tiny-1|logconf")[0]
    assert (naive.get_linestyle(), naive.get_marker()) == (":", "o")
    assert (aux.get_linestyle(), aux.get_marker()) == ("-", "^")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["tiny-1\n20k", "tiny-2\n106k", "tiny-3\n434k"]
    labels = [t.get_text() for t in ax.get_legend().texts]
    assert {"tiny-1", "tiny-2", "naive", "aux. conf. loss", "strong ceiling (g.t.)"} <= set(labels)


def test_pgr_vs_student_default_is_naive_only(results):
    ax = P.plot_pgr_vs_student(results)
    assert ax.get_xscale() == "log"
    assert {ln.get_gid() for ln in P.curves(ax)} == {"w2s|tiny-1|xent", "w2s|tiny-2|xent"}
    (line,) = P.curves(ax, "w2s|tiny-2|xent")
    assert line.get_ydata()[0] == pytest.approx(30, abs=5)  # the synthetic naive PGR is 30%


def test_several_tasks_take_the_median_of_task_means(results):
    other = results.assign(task="u", test_acc=results["test_acc"] + 0.1)
    third = results.assign(task="v", test_acc=results["test_acc"] + 0.5)  # an outlier task the median ignores
    ax = P.plot_accuracy_vs_student(pd.concat([results, other, third]), ceiling=True)
    (ceiling,) = P.curves(ax, "ceiling")
    means = results[results["role"] == "ceiling"].groupby("model")["test_acc"].mean()
    assert ceiling.get_ydata() == pytest.approx(100 * (means.loc[MODELS].to_numpy() + 0.1))
    assert not [ln for ln in ax.lines if ln.get_gid() == "errorbar"]  # no seed error bars across tasks
    alone = P.plot_accuracy_vs_student(other, ax=plt.figure().gca())  # the median task on its own
    (multi,), (single,) = P.curves(ax, "w2s|tiny-1|xent"), P.curves(alone, "w2s|tiny-1|xent")
    assert multi.get_ydata() == pytest.approx(single.get_ydata())


def test_several_tasks_plot_the_pgr_of_seed_averaged_accuracies():
    """Per task, PGR of the seed means (the paper's aggregation, results.pgr_table); then the median over
    tasks. Seed 1 of each task has a tiny gap, so the mean of per-seed PGRs would be far off."""
    rows, want = [], []
    for k, task in enumerate("uvw"):
        seeds = [(0.6, 0.7, 0.8), (0.6, 0.63 + 0.01 * k, 0.62)]  # (weak, w2s, ceiling) per seed
        for seed, (w, s2, s) in enumerate(seeds):
            rows.append(dict(task=task, role="w2s", weak_model="tiny-1", model="tiny-3", loss="xent", seed=seed,
                             weak_acc=w, test_acc=s2, strong_acc=s, pgr=(s2 - w) / (s - w)))  # fmt: skip
        w, s2, s = np.mean(seeds, axis=0)
        want.append((s2 - w) / (s - w))
    ax = P.plot_pgr_vs_student(pd.DataFrame(rows))
    (line,) = P.curves(ax, "w2s|tiny-1|xent")
    assert line.get_ydata() == pytest.approx([100 * np.median(want)])


def test_plot_functions_refuse_empty_selections(results):
    with pytest.raises(ValueError, match="no w2s rows"):
        P.plot_accuracy_vs_student(results, task="other")


def test_agreement_three_panels(results):
    axes = P.plot_agreement(results)
    assert len(axes) == 3
    assert [a.get_title()[:3] for a in axes] == ["(a)", "(b)", "(c)"]
    for ax in axes:
        assert ax.get_xscale() == "log" and len(P.curves(ax)) == 4
    wrong = P.curves(axes[2], "w2s|tiny-1|xent")[0]
    assert list(wrong.get_ydata()) == pytest.approx([40, 30])  # supervisor-wrong agreement falls with size


def test_training_curves_hue_by_size_ratio():
    hist = pd.DataFrame(
        [dict(model=s, weak_model=w, seed=sd, progress=p, test_acc=0.6 + 0.1 * p)
         for w, s in itertools.combinations(MODELS, 2) for sd in (0, 1) for p in np.linspace(0, 1, 5)]
    )  # fmt: skip
    ax = P.plot_training_curves(hist)
    ratios = sorted(P.model_x(s) / P.model_x(w) for w, s in itertools.combinations(MODELS, 2))
    assert [t.get_text() for t in ax.get_legend().texts] == [f"×{r:.3g}" for r in ratios]


def test_bars_with_paper_markers():
    from w2s_lib.reference import paper_values

    ref = dict(zip(*paper_values("fig02", setting="nlp")[["series", "value"]].T.values))
    ax = P.plot_bars({"weak": 60.0, "naive": 75.0, "best_method": 80.0, "ceiling": 90.0}, reference=ref)
    assert [p.get_height() for p in ax.patches] == [60, 75, 80, 90]
    (markers,) = P.curves(ax, "paper")
    assert list(markers.get_ydata()) == [62, 80.5, 87.5, 94]
    assert [t.get_text() for t in ax.get_legend().texts] == ["paper"]


def test_overlay_reference_markers_and_lines(results):
    ax = P.plot_accuracy_vs_student(results, losses=LOSSES)
    drawn = P.overlay_reference(ax, "fig05", panel="a", x_positions={"gpt4": P.model_x("tiny-3")})
    assert len(drawn) == 3 and len(P.curves(ax, "paper")) == 3
    P.overlay_reference(ax, "fig03", panel="a", series="ceiling", x="smallest_student")
    line = P.curves(ax, "paper|ceiling")[-1]
    assert set(line.get_ydata()) == {62.0}  # a horizontal line at the paper's value
    assert [t.get_text() for t in ax.get_legend().texts].count("paper") == 1


def test_save_figure_writes_stamped_deterministic_files(results, tmp_path):
    ax = P.plot_accuracy_vs_student(results, losses=LOSSES)
    data = P.seed_summary(results[results["role"] == "w2s"], "pgr")
    data.loc[0, "pgr_sem"] = float("nan")
    paths = P.save_figure(ax.figure, "fig05", "smoke", data, out_dir=tmp_path)
    assert {k: v.name for k, v in paths.items()} == {
        "png": "fig05_smoke.png", "pdf": "fig05_smoke.pdf", "json": "fig05_smoke.json"}  # fmt: skip
    stamps = [t.get_text() for t in ax.figure.texts]
    assert stamps == ["preset: smoke — not a reproduction"]
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf
    doc = json.loads(paths["json"].read_text())
    assert (doc["figure"], doc["preset"], len(doc["data"])) == ("fig05", "smoke", len(data))
    assert doc["data"][0]["pgr_sem"] is None
    assert doc["data"][1]["pgr"] == pytest.approx(data["pgr"].iloc[1])
    assert not list(tmp_path.glob(".*.tmp"))

    again = P.save_figure(ax.figure, "fig05", "smoke", data, out_dir=tmp_path / "again")
    assert [t.get_text() for t in ax.figure.texts] == stamps  # re-saving does not stamp twice
    assert again["pdf"].read_bytes() == pdf
    assert again["png"].read_bytes() == paths["png"].read_bytes()


def test_save_figure_paper_preset_and_bad_names(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    P.save_figure(fig, "fig02", "paper", {"nlp": {"weak": 62.0, "extra": math.inf}}, out_dir=tmp_path)
    assert [t.get_text() for t in fig.texts] == ["preset: paper"]
    assert json.loads((tmp_path / "fig02_paper.json").read_text())["data"] == {"nlp": {"weak": 62.0, "extra": None}}
    with pytest.raises(ValueError, match="file-name"):
        P.save_figure(fig, "../x", "paper", {}, out_dir=tmp_path)


def test_analysis_plots_draw_what_they_are_given():
    import matplotlib.pyplot as plt
    import pandas as pd

    from w2s_lib import plotting
    from w2s_lib.nlp.simulation import load_features, simulation_experiment

    X, y = load_features("sklearn:breast_cancer")
    sim = simulation_experiment(X, y, ks=(3, 10), mixed_k=10, noise=(0.1, 0.0))
    axes = plotting.plot_simulation(sim)
    assert [len(ax.lines) for ax in axes[0]] == [3, 3, 3] and [len(ax.lines) for ax in axes[1]] == [1, 1, 1]
    plt.close("all")
    bars = pd.DataFrame({"kind": ["a", "a", "b", "b"], "loss": ["xent", "logconf"] * 2, "pgr": [0.1, 0.2, 0.3, 0.4]})
    ax = plotting.plot_grouped_bars(bars, x="kind", y="pgr", hue="loss")
    assert sorted(round(p.get_height(), 6) for p in ax.patches if p.get_height()) == [10, 20, 30, 40]
    plt.close("all")
    diff = pd.DataFrame(
        {
            "model": ["tiny-1", "tiny-1", "tiny-2", "tiny-2"],
            "cutoff_model": ["tiny-1", "all"] * 2,
            "test_acc": [0.6, 0.7, 0.65, 0.8],
        }
    )
    ax = plotting.plot_difficulty(diff)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["tiny-1", "∞ (all)"]
    plt.close("all")


def test_best_vs_final_draws_the_oracle_and_last_accuracies(results):
    df = results.assign(test_acc_last=results["test_acc"], test_acc_oracle=results["test_acc"] + 0.05)
    ax = P.plot_best_vs_final(df)
    best = next(ln for ln in ax.lines if ln.get_gid() == "best-tiny-1")
    final = next(ln for ln in ax.lines if ln.get_gid() == "final-tiny-1")
    students = df[(df["role"] == "w2s") & (df["weak_model"] == "tiny-1")].groupby("model")
    assert np.allclose(best.get_ydata(), 100 * students["test_acc_oracle"].mean().to_numpy())
    assert np.allclose(final.get_ydata(), 100 * students["test_acc_last"].mean().to_numpy())
    assert final.get_linestyle() == "--" and best.get_marker() == "*"
    weak = next(ln for ln in ax.lines if ln.get_gid() == "weak")
    assert np.allclose(weak.get_ydata(), 100 * df[df["role"] == "weak"].groupby("model")["test_acc"].mean())


def test_task_grid_has_one_titled_axis_per_task():
    df = pd.DataFrame({"task": ["b", "a", "b", "c", "d", "e"], "v": [1, 2, 3, 4, 5, 6]})
    seen = []

    def draw(rows, ax, marker):
        seen.append((rows["task"].iloc[0], rows["v"].tolist()))
        ax.plot(rows["v"], label="v")
        ax.legend()

    fig, axes = P.task_grid(df, draw, draw_kw={"marker": "o"}, ncols=2)
    assert [ax.get_title() for ax in axes] == ["b", "a", "c", "d", "e"]  # order of appearance
    assert seen == [("b", [1, 3]), ("a", [2]), ("c", [4]), ("d", [5]), ("e", [6])]
    assert len(fig.axes) == 6 and sum(ax.get_visible() for ax in fig.axes) == 5  # 3 x 2, the last cell hidden
    assert [ax.get_legend() is not None for ax in axes] == [True] + [False] * 4
    _, axes = P.task_grid(df, draw, draw_kw={"marker": "o"}, tasks=["e", "a"], legend="all")
    assert [ax.get_title() for ax in axes] == ["e", "a"] and all(ax.get_legend() for ax in axes)
    with pytest.raises(ValueError, match="valid: first, all, none"):
        P.task_grid(df, draw, draw_kw={"marker": "o"}, legend="some")


def test_simulation_grid_draws_one_line_per_student():
    from w2s_lib.nlp.simulation import load_features, simulation_experiment

    X, y = load_features("sklearn:digits")
    sim = simulation_experiment(X, y, ks=(4, 8, 16), student_ks=(4, 8, 16), n_weak=700, n_test=300)
    axes = P.plot_simulation(sim)
    students = {ln.get_gid(): len(ln.get_xdata()) for ln in axes[0, 0].lines if (ln.get_gid() or "").startswith("s")}
    assert students == {"student|4": 1, "student|8": 2, "student|16": 3}  # M_k' for k' >= k only
    row = sim[(sim.kind == "simulatable") & (sim.k == 8) & (sim.student_k == 16)].iloc[0]
    (line,) = [ln for ln in axes[1, 0].lines if ln.get_gid() == "student|16"]
    assert line.get_ydata()[1] == pytest.approx(100 * row["agreement"])


def test_training_curves_average_runs_on_one_progress_grid():
    """Runs evaluated at different points become one line over a common grid, not a zig-zag between them
    (issue 28: the laptop's fig07 joined runs of different schedules into one jagged line)."""
    rows = [dict(run="a", progress=p, test_acc=p, model="m", weak_model="w", ratio=2.0) for p in (0.5, 1.0)]
    rows += [dict(run="b", progress=p, test_acc=1 - p, model="m", weak_model="w", ratio=2.0) for p in (0.25, 1.0)]
    rows += [dict(run="b", progress=0.5, test_acc=np.nan, model="m", weak_model="w", ratio=2.0)]  # a loss row
    ax = P.plot_training_curves(pd.DataFrame(rows))
    (line,) = ax.get_lines()[:1]
    x, y = line.get_xdata(), line.get_ydata()
    assert np.allclose(x, np.linspace(0.05, 1, 20)) and np.all(np.diff(x) > 0)
    # at 0.5: run a is 0.5, run b between (0.25, 0.75) and (1.0, 0.0) is 0.5 -> mean 50%
    assert y[9] == pytest.approx(50.0) and y[-1] == pytest.approx(50.0)  # at 1.0: (1.0 + 0.0) / 2
    plt.close("all")


def test_stopping_rules_mark_where_each_rule_stops_each_run():
    """Weak-label early stopping takes the best validation accuracy (ties: the earlier evaluation, as
    fit.Selection), the oracle the best test accuracy, "last" the final evaluation (Figs. 7 and 13)."""
    rows = []
    for run, val, test in [
        ("a", [0.6, 0.8, 0.8, 0.7], [0.5, 0.7, 0.9, 0.6]),
        ("b", [0.5, 0.6, 0.7, 0.9], [0.8, 0.6, 0.6, 0.7]),
    ]:
        for i, (v, t) in enumerate(zip(val, test)):
            rows.append(dict(run=run, loss="xent", model="m", step=i + 1, progress=(i + 1) / 4, val_acc=v, test_acc=t))
    ax = P.plot_stopping_rules(pd.DataFrame(rows))
    marks = [c.get_offsets().tolist() for c in ax.collections if len(c.get_offsets()) == 2]
    by_rule = dict(zip(P.STOPS, marks))
    assert sorted(map(tuple, by_rule["early stop on weak labels"])) == [(0.5, 70.0), (1.0, 70.0)]
    assert sorted(map(tuple, by_rule["best test accuracy (oracle)"])) == [(0.25, 80.0), (0.75, 90.0)]
    assert sorted(map(tuple, by_rule["last checkpoint"])) == [(1.0, 60.0), (1.0, 70.0)]
    assert [t.get_text() for t in ax.get_legend().get_texts()][-3:] == list(P.STOPS)
    plt.close("all")


def test_mode_rows_draw_one_titled_row_per_mode_probes_first():
    calls = []
    df = pd.DataFrame({"student_mode": ["finetune", "probe", "probe"], "x": [1, 2, 3]})

    def draw(rows, axes):
        calls.append((sorted(set(rows["student_mode"])), len(axes)))
        axes[0].set_title("accuracy")

    fig, axes = P.mode_rows(df, draw, ncols=2)
    assert axes.shape == (2, 2) and calls == [(["probe"], 2), (["finetune"], 2)]
    assert axes[0, 0].get_title() == f"{P.MODE_TITLES['probe']}: accuracy"
    assert axes[1, 1].get_title() == P.MODE_TITLES["finetune"]
    plt.close("all")
