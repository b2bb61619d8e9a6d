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
# on ground truth. The paper (App. D.2) trains probes with Adam, lr 1e-3, batch 128, no weight decay, for
# 200 epochs, early-stopped on agreement with the weak labels. It gives no numbers for this figure, only
# that the picture matches finetuning (Fig. 3).

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
probe_lr: float = 0.003  # learning rate of the linear probes (the paper: 1e-3)
probe_epochs: float = 6.0  # epochs of the linear probes (the paper: 200)

# %%
from w2s_lib import plotting
from w2s_lib.cache import results_dir
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
    epochs=probe_epochs,
    batch_size=batch_size,
    minibatch_size=minibatch_size,
    max_len=max_len,
    lr=probe_lr,
    linear_probe=True,
)
palette = plotting.weak_palette(models[:-1])
plotting.style()
fig, (ax_acc, ax_pgr) = plotting.plt.subplots(1, 2, figsize=(10, 3.8))
plotting.plot_accuracy_vs_student(df, ax=ax_acc, palette=palette)
plotting.plot_pgr_vs_student(df, ax=ax_pgr, palette=palette, legend=False)
ax_acc.set_title("linear probes: test accuracy")
ax_pgr.set_title("linear probes: PGR")
numbers = plotting.seed_summary(df, "test_acc", by=("task", "role", "weak_model", "model", "loss"))
paths = plotting.save_figure(fig, "fig23_linear_probe_scaling", preset, numbers, out_dir)

# %%
assert df["linear_probe"].all()
assert numbers["test_acc"].between(0, 1).all()
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper gives no number for this figure. Ours: median over tasks of the seed-averaged PGR of every
# pair, to compare with the finetuned students of Fig. 3 (`fig03_naive_scaling`).

# %%
df[df["role"] == "w2s"].groupby(["weak_model", "model"])["pgr"].mean().mul(100).round(1).to_frame("PGR (%)")
