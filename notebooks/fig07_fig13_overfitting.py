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
# # Figures 7 and 13 (NLP): strong students overfit to weak labels
#
# > **Figure 13** of Burns et al. (2023), p. 31: "Overfitting during training, for NLP datasets."
# > **Figure 7**, p. 12: "Strong models overfit to the weak labels" (its panels are reward modelling,
# > which comes with that setting; the analysis is the same).
#
# (a) Ground-truth test accuracy of weak-to-strong students during training, hue = student/supervisor size
# ratio. (b) Median PGR over all supervisor-student pairs for three checkpoints: the last one, the one
# early-stopped on agreement with the weak labels (held-out, no ground truth: the default), and the one
# early-stopped on test ground truth (an oracle, not a method).
#
# What the paper reports [P, p. 12 and p. 31]: accuracy rises and then falls for large gaps; ground-truth
# early stopping gives about +15 points of PGR over the last checkpoint and +10 over early stopping on
# weak labels. Read off Fig. 13b [P-fig]: last ≈ 27%, weak-label early stopping ≈ 33%, ground truth ≈ 45%.

# %% tags=["parameters"]
tasks: list = ["synth_sentiment"]  # task names (w2s list tasks); the paper's curves are medians over tasks
models: list = ["tiny-1", "tiny-2", "tiny-3"]  # model presets from weakest to strongest
seeds: list = [0]  # seeds: data split and initialisation
n_train: int = 2000  # training items before halving
n_test: int = 300  # test items
epochs: float = 3.0  # passes over each half's training data
batch_size: int = 16  # examples per optimizer step
minibatch_size: int = 16  # examples per forward pass (gradient accumulation)
max_len: int = 32  # tokens per example; longer texts keep their end
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.cache import results_dir
from w2s_lib.reference import paper_values, versus
from w2s_lib.results import collect_histories
from w2s_lib.sweep import sweep_results

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
df = sweep_results(
    cache_dir,
    tasks,
    models,
    ["xent"],
    seeds,
    n_train=n_train,
    n_test=n_test,
    epochs=epochs,
    batch_size=batch_size,
    minibatch_size=minibatch_size,
    max_len=max_len,
)
students = df[df["role"] == "w2s"]
history = collect_histories(cache_dir)
history = history[history["run"].isin(students["run"])]
checkpoints = {"last": "pgr_last", "early_stop_weak": "pgr", "early_stop_gt": "pgr_oracle"}
pairs = students.groupby(["task", "weak_model", "model"])[list(checkpoints.values())].mean()
median_pgr = {name: 100 * pairs[col].median() for name, col in checkpoints.items()}
paper = paper_values("fig13", panel="b", setting="nlp", tag="P-fig").set_index("series")["value"].to_dict()
plotting.style()
fig, (ax_curve, ax_bar) = plotting.plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [3, 2]})
plotting.plot_training_curves(history, ax=ax_curve)
ax_curve.set_title("(a) test accuracy during training")
plotting.plot_bars(median_pgr, ax=ax_bar, reference=paper, ylim=(min(0, *median_pgr.values()) - 5, 100))
ax_bar.set_ylabel("median PGR (%)")
ax_bar.set_title("(b) which checkpoint")
paths = plotting.save_figure(
    fig, "fig07_fig13_overfitting", preset, {"median_pgr": median_pgr, "pairs": pairs.reset_index()}, out_dir
)

# %%
assert len(history) > len(students)  # several evaluations per run
assert history["test_acc"].between(0, 1).all()
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# Median over (task, supervisor, student) pairs of the seed-averaged PGR at each checkpoint.

# %%
versus(
    [
        dict(quantity=f"PGR, {k} (%)", ours=v, figure="fig13", series=k, panel="b", tag="P-fig")
        for k, v in median_pgr.items()
    ]
)
