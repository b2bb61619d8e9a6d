# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Figure 23: linear probes show weak-to-strong generalization too
#
# > **Figure 23** of Burns et al. (2023), p. 41: "Linear probing qualitatively matches finetuning
# > weak-to-strong generalization."
#
# Every model is a frozen backbone with a trained linear head: supervisors are probes trained on ground
# truth, students are probes trained on the supervisors' labels, the ceiling (black) is a probe trained
# on ground truth. Every probe trains by the paper's probe recipe (App. D.2, p. 40, `sweep.PROBE_RECIPE`):
# Adam, lr 1e-3, batch 128, no weight decay, 200 epochs, early-stopped on agreement with its own training
# labels on the validation slice; the smoke preset shortens only the epochs. Features of a frozen backbone
# are memoized per text, so the 200 epochs cost one backbone pass per text plus head updates (about 12 ms
# per step on the 2-core CPU for tiny models; see `fig11_linear_probes`). The paper draws one panel per
# dataset (eight of them); the pooled view (median over tasks) is beside it. It gives no numbers for this
# figure, only that the picture matches finetuning (Fig. 3).
#
# **The laptop setting** (`setting: laptop`, `params/laptop`; `w2s_lib/nlp/sandbox.py`) is not the paper's: the
# supervisors are small encoders trained from scratch (`scratch-1`, `scratch-2`), the students linear probes
# on frozen pretrained models of 14M–135M parameters (MiniLM-L1, MiniLM-L6, MPNet-base, SmolLM2-135M), on the
# two sandbox tasks with real labels. There every student is a probe already, so of this figure's logic only
# "probes on weak labels against probes on ground truth, across the ladder" applies, and that is what it
# draws: the naive (xent) runs of the shared laptop sweep (the same runs as `fig03_naive_scaling` at laptop,
# trained once), with the sandbox's probe settings (`SANDBOX["probe_train"]`), not the 200-epoch recipe, and
# supervisors trained from scratch, not probes. The figure's point, probing against finetuning, is made at
# the end: the students of `compare_modes` finetuned whole beside the same students as probes.

# %% tags=["parameters"]
tasks: list = ["synth_sentiment"]  # task names (w2s list tasks); the paper: eight datasets
models: list = ["tiny-1", "tiny-2", "tiny-3"]  # model presets from weakest to strongest
seeds: list = [0]  # seeds: data split and initialisation
n_train: int = 2000  # training items before halving
n_test: int = 300  # test items
minibatch_size: int = 16  # examples per forward pass (gradient accumulation) within the recipe's batch of 128
max_len: int = 32  # tokens per example; longer texts keep their end
head_init: str = "zeros"  # classification head: zeros, or unembed01 (the paper: tokens "0" and "1", §A.1)
probe_epochs: float = 20.0  # epochs of every probe (the paper's recipe: 200; smoke shortens only this)
setting: str = "finetune"  # finetune (every model a probe by the paper's recipe) or laptop (w2s_lib/nlp/sandbox.py)
student_mode: str = "probe"  # laptop students: probe (frozen features) or finetune (every weight trains)
compare_modes: dict = {}  # laptop: {students, tasks, seeds} shown as probes and finetuned whole, side by side
preset: str = "smoke"  # stamped on every output: smoke, paper or laptop
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.core.results import median_pgr, pgr_table
from w2s_lib.nlp.protocol import run_name
from w2s_lib.nlp.sweep import PROBE_RECIPE, model_order
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)
# the parameters above as one checked spec (w2s_lib/nlp/variant_specs.py): what it trains is what `w2s plan` lists
spec = notebook_spec("fig23_linear_probe_scaling", globals())
tasks = list(spec.sweep.tasks)  # a named list (tasks: paper_nlp) spelt out


# %%
# finetune: every run a probe by the paper's recipe; laptop: setting_kw's per-model settings (the shared sweep's)
plan = spec.sweep_plan()  # the pairs to train (and, at laptop, each model's settings)
df = spec.run(cache_dir)  # train what is missing from the cache; the sweep's rows
palette = plotting.weak_palette(model_order({w for w, _ in spec.pairs}))
plotting.style()
fig, (ax_acc, ax_pgr) = plotting.plt.subplots(1, 2, figsize=(10, 3.8))
plotting.plot_accuracy_vs_student(df, ax=ax_acc, palette=palette)
plotting.plot_pgr_vs_student(df, ax=ax_pgr, palette=palette, legend=False)
ax_acc.set_title("linear probes: test accuracy" + (" (median over tasks)" if len(tasks) > 1 else ""))
ax_pgr.set_title("linear probes: PGR" + (" (median over tasks)" if len(tasks) > 1 else ""))
numbers = plotting.seed_summary(df, "test_acc", by=("task", "role", "weak_model", "model", "loss"))
paths = plotting.save_figure(fig, "fig23_linear_probe_scaling", preset, numbers, out_dir)
fig_tasks, _ = plotting.task_grid(df, plotting.plot_accuracy_vs_student, draw_kw=dict(palette=palette), ncols=4)
paths.update(plotting.save_figure(fig_tasks, "fig23_linear_probe_scaling_by_task", preset, numbers, out_dir))

# %%
probes = plan.runs if setting == "finetune" else plan.ceilings + plan.w2s  # laptop: supervisors from scratch
assert df.loc[df["run"].isin({run_name(r) for r in probes}), "linear_probe"].all()
assert len(df[df["role"] == "w2s"]) == len(tasks) * len(seeds) * len(spec.pairs)
assert set(df["task"]) == set(tasks)
assert numbers["test_acc"].between(0, 1).all()
if setting == "finetune":
    assert all(r.train.lr == PROBE_RECIPE["lr"] and r.train.batch_size == 128 for r in plan.runs)
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Probes and finetuned students, side by side (laptop)
#
# At the laptop preset (`compare_modes`) the students named there learn both ways (`student_mode`,
# `w2s_lib/nlp/sandbox.py`): as linear probes on frozen features and finetuned whole, on the same supervisors,
# tasks and seeds. The probe rows are runs of this notebook's sweep and the finetuned ones the runs of
# `w2s sandbox --student-mode finetune`, so one cache trains each once. Finetuning is the paper's method
# (Sec. 4.2); probes are its App. D.2 variant, which it found to match finetuning qualitatively (Fig. 23).
# Other presets leave `compare_modes` empty: their students all finetune.
#
# Does probing match finetuning qualitatively here, as the paper found (App. D.2)? The table: per student, mode
# and loss, the mean accuracies over supervisors and seeds and the PGR with its 95% interval over seeds.

# %%
if compare_modes:
    from w2s_lib.nlp.sandbox import format_ladder, modes_table

    modes = spec.run_modes(cache_dir)
    table = modes_table(modes)
    fig = plotting.plot_modes_vs_student(modes, ("xent",), palette=palette)
    plotting.save_figure(fig, "fig23_linear_probe_scaling_modes", preset, table, out_dir)
    print(format_ladder(table.to_dict("records")))
else:
    print("compare_modes is empty at this preset: every student learns one way")


# %% [markdown]
# ## Ours vs the paper
#
# The paper gives no number for this figure. Ours: per pair, the median over tasks of the PGR computed from
# seed-averaged accuracies (`results.pgr_table`; tasks whose ceiling does not beat the supervisor are left
# out and listed), to compare with the finetuned students of Fig. 3 (`fig03_naive_scaling`).
#
# At the laptop setting this table is the naive runs of `fig03_naive_scaling`'s laptop sweep, so it says
# nothing about probing against finetuning (no student there is finetuned). The cell after it gives, per task,
# each pair's PGR with its 95% percentile-bootstrap interval over seeds (`pgr_table(ci=True)`): whether probes
# on a weak supervisor's labels recover part of the gap to probes on ground truth, and whether that grows
# along the ladder. It shows nothing at the finetune setting.

# %%
pairs = median_pgr(pgr_table(df)).set_index(["weak_model", "strong_model"])
pairs.assign(pgr=pairs["pgr"].mul(100).round(1)).rename(columns={"pgr": "median PGR (%)"}).drop(columns="loss")

# %%
if setting == "laptop":
    per_task = pgr_table(df, ci=True)
    per_task = per_task.assign(
        **{
            "PGR (%)": per_task["pgr"] * 100,
            "95% CI": [f"[{100 * lo:+.1f}, {100 * hi:+.1f}]" for lo, hi in per_task[["pgr_lo", "pgr_hi"]].to_numpy()],
        }
    )
    print(
        per_task[
            ["task", "weak_model", "strong_model", "weak_acc", "w2s_acc", "strong_acc", "PGR (%)", "95% CI", "n_seeds"]
        ]
        .round(3)
        .to_string(index=False)
    )
