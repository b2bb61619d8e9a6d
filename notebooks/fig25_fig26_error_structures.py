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
# # Figures 25 and 26: the structure of weak errors matters, not just their number
#
# > **Figure 25** of Burns et al. (2023), p. 43: "PGR for weak labels with same accuracy but different
# > error structures." **Figure 26**, p. 45: "Training dynamics change for different weak errors."
#
# Six ways to make the student's labels, all with the supervisor's accuracy: the real supervisor; ground
# truth with random flips; flips on the longest or the shortest texts; flips where the student's own model
# trained on ground truth (on the other half) is least confident, or most confidently right. The
# constructed labels are hard labels; "real" uses the supervisor's soft labels as everywhere else.
#
# What the paper reports [P, pp. 43–45]: generalization "can vary wildly" with the error structure; with
# real errors students generalize first and then overfit, the confidence loss mitigates the overfitting;
# "longest prompt" errors are overfit faster; with random noise generalization improves throughout.

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
from w2s_lib.protocol import WEAK_ERRORS
from w2s_lib.results import collect_histories
from w2s_lib.sweep import plan_sweep, run_configs, with_variant

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
train_kw = dict(epochs=epochs, batch_size=batch_size, minibatch_size=minibatch_size, max_len=max_len)
plan = plan_sweep(
    tasks,
    models,
    ["xent", "logconf"],
    seeds,
    pairs=[(models[0], models[-1])],
    n_train=n_train,
    n_test=n_test,
    train_kw=train_kw,
)
runs = [r for kind in WEAK_ERRORS for r in with_variant(plan.w2s, weak_errors=kind)]
df = run_configs(runs + plan.ceilings, cache_dir)
students = df[df["role"] == "w2s"]
history = collect_histories(cache_dir)
history = history[history["run"].isin(students["run"])].merge(students[["run", "weak_errors"]], on="run")
plotting.style()
fig = plotting.plt.figure(figsize=(13, 7.5))
ax_bar = fig.add_subplot(2, 1, 1)
plotting.plot_grouped_bars(students, x="weak_errors", y="pgr", hue="loss", ax=ax_bar, order=list(WEAK_ERRORS))
ax_bar.set_title("Fig. 25: PGR by weak-error structure (equal weak accuracy)")
for j, col in enumerate(("test_agreement_supervisor_right", "test_agreement_supervisor_wrong")):
    ax = fig.add_subplot(2, 2, 3 + j)
    plotting.plot_training_curves(history[history["loss"] == "xent"], ax=ax, y=col, hue="weak_errors")
    ax.set_title("Fig. 26: agreement where the supervisor is " + ("right" if j == 0 else "wrong") + " (naive)")
fig.tight_layout()
numbers = students.groupby(["task", "weak_errors", "loss"])[["weak_label_acc", "test_acc", "pgr"]].mean()
paths = plotting.save_figure(fig, "fig25_fig26_error_structures", preset, numbers.reset_index(), out_dir)

# %%
assert set(students["weak_errors"]) == set(WEAK_ERRORS)
acc = numbers["weak_label_acc"].unstack("weak_errors").drop(columns="real")
assert (acc.max(axis=1) - acc.min(axis=1)).max() < 1e-9, "constructed labels must share the accuracy"
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper shows these as bars without numbers. Ours: seed-averaged PGR (%) per structure and loss,
# median over tasks; the spread across rows is the point of the figure.

# %%
(numbers["pgr"].groupby(["weak_errors", "loss"]).median().mul(100).unstack("loss").round(1).reindex(list(WEAK_ERRORS)))
