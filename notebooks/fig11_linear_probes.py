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
# # Figure 11: finetuning on weak labels makes the right concept more linearly available
#
# > **Figure 11** of Burns et al. (2023), p. 16: "Finetuning on weak supervisor labels makes the desired
# > generalization more linearly represented."
#
# Five ways to use one strong model, averaged over tasks: a linear probe on the pretrained model trained
# with weak labels, lp(weak), or with ground truth, lp(gt); finetuning on weak labels, ft(weak); finetuning
# on weak labels and then a fresh linear probe on ground truth, ft(weak)+lp(gt); finetuning on ground
# truth, ft(gt).
#
# What the paper reports [P, p. 16]: lp(gt) 72%, ft(gt) 82%, ft(weak)+lp(gt) 78%, closing 60% of the gap
# between lp(gt) and ft(gt). Read off the figure [P-fig]: lp(weak) ≈ 66%, ft(weak) ≈ 75%.

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
probe_lr: float = 0.003  # learning rate of the linear probes
probe_epochs: float = 6.0  # epochs of the linear probes

# %%
import dataclasses

from w2s_lib import plotting
from w2s_lib.cache import results_dir
from w2s_lib.protocol import run_name
from w2s_lib.reference import paper_values, versus
from w2s_lib.sweep import plan_sweep, probe_of, run_configs

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %% [markdown]
# The supervisor is the weakest model and the student the strongest. Probes train only the head, so they
# get the probe learning rate and epochs (the paper: Adam, lr 1e-3, batch 128).

# %%
train_kw = dict(epochs=epochs, batch_size=batch_size, minibatch_size=minibatch_size, max_len=max_len)
probe_kw = dict(epochs=probe_epochs, batch_size=batch_size, minibatch_size=minibatch_size, max_len=max_len)
pair = [(models[0], models[-1])]
ft = plan_sweep(tasks, models, ["xent"], seeds, pairs=pair, n_train=n_train, n_test=n_test, train_kw=train_kw)
lp = plan_sweep(
    tasks,
    models,
    ["xent"],
    seeds,
    pairs=pair,
    n_train=n_train,
    n_test=n_test,
    train_kw=probe_kw,
    lr=probe_lr,
    linear_probe=True,
)
# the supervisor is always the finetuned weak model: the probes differ only in what the student does
lp_weak = [dataclasses.replace(c, weak=f.weak) for c, f in zip(lp.w2s, ft.w2s)]
ft_then_lp = [probe_of(c) for c in ft.w2s]
runs = {
    "lp(weak)": lp_weak,
    "lp(gt)": lp.ceilings,
    "ft(weak)": ft.w2s,
    "ft(weak)+lp(gt)": ft_then_lp,
    "ft(gt)": ft.ceilings,
}
df = run_configs([c for cs in runs.values() for c in cs], cache_dir)
name_of = {run_name(c): k for k, cs in runs.items() for c in cs}
df["method"] = df["run"].map(name_of)
acc = df.groupby(["method", "task"])["test_acc"].mean().groupby("method").mean().reindex(list(runs)) * 100
paper = paper_values("fig11", metric="accuracy").drop_duplicates("series").set_index("series")["value"].to_dict()
plotting.style()
fig, ax = plotting.plt.subplots(figsize=(6, 3.8))
plotting.plot_bars(acc.to_dict(), ax=ax, reference=paper, ylim=(40, 100))
ax.set_title(f"{models[0]} supervising {models[-1]}")
paths = plotting.save_figure(fig, "fig11_linear_probes", preset, acc.to_dict(), out_dir)

# %%
assert acc.notna().all() and acc.between(0, 100).all(), acc
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# Mean test accuracy over tasks (seed means first), and the share of the lp(gt) → ft(gt) gap that
# ft(weak)+lp(gt) closes.

# %%
gap_closed = 100 * (acc["ft(weak)+lp(gt)"] - acc["lp(gt)"]) / (acc["ft(gt)"] - acc["lp(gt)"])
versus(
    [dict(quantity=f"{k} (%)", ours=v, figure="fig11", series=k, metric="accuracy") for k, v in acc.items()]
    + [
        dict(
            quantity="gap closed by ft(weak)+lp(gt) (%)",
            ours=gap_closed,
            figure="fig11",
            series="ft(weak)+lp(gt)",
            metric="pgr",
        )
    ]
)
