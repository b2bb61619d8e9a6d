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
# # Figure 21: how hard should the training data be?
#
# > **Figure 21** of Burns et al. (2023), p. 38: "Effect of varying training data difficulty on test set
# > accuracy."
#
# An item's difficulty is the smallest model that gets it right, in the sense that every larger model
# (each trained on ground truth of the other half) gets it right too. Each model is trained on ground
# truth of the items at or below a cutoff (subsampled to equal sizes, as the paper does) and tested on
# everything; ∞ trains on all items. Stars mark the cutoff equal to the model's own size. As the paper, one
# panel per dataset (`plotting.task_grid`); the pooled view (all tasks together) is a separate figure.
#
# What the paper reports [P, p. 38]: raising the cutoff generally raises accuracy; small models improve
# and then decline once the examples exceed their capacity. It gives no numbers.
#
# **The laptop setting** (`setting: laptop`, `params/laptop`): not the paper's models. The two weakest
# "models" are small encoders trained from scratch (`scratch-1`, `scratch-2`), the others linear probes
# on frozen pretrained models (MiniLM-L1/L6, MPNet-base, SmolLM2-135M; `w2s_lib/nlp/sandbox.py`), on the two
# sandbox tasks. Difficulty is still the paper's: the smallest of these models from which every larger
# one solves the item. On `sandbox_vader` each word also has a human difficulty, the share of its ten
# raters on the majority side; the table at the end shows how the model-defined cutoffs track it.

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
head_init: str = "zeros"  # classification head: zeros, or unembed01 (the paper: tokens "0" and "1", §A.1)
train_kw: dict = {}  # more TrainConfig settings for every run (e.g. min_evals, evals_per_epoch)
setting: str = "finetune"  # finetune (the paper: every model trains whole) or laptop (w2s_lib/nlp/sandbox.py)
student_mode: str = "probe"  # laptop students: probe (frozen features) or finetune (every weight trains)
preset: str = "smoke"  # stamped on every output: smoke, paper or laptop
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%
import pandas as pd

from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.core.metrics import bootstrap_ci
from w2s_lib.models.presets import model_order
from w2s_lib.reference import versus
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
# the parameters above as one checked spec (w2s_lib/nlp/analysis_specs.py): `w2s plan` lists its graders; the
# cutoffs' runs follow from their predictions (laptop: probes and per-model settings; every model trains on g.t.)
spec = notebook_spec("fig21_difficulty_cutoffs", globals())
df = spec.run(cache_dir)  # every task's and seed's graders, then its cutoffs' runs; the cutoffs' rows
plotting.style()
fig, ax = plotting.plt.subplots(figsize=(6, 3.8))
plotting.plot_difficulty(df, ax=ax)
ax.set_title("all tasks" if len(spec.sweep.tasks) > 1 else spec.sweep.tasks[0])
numbers = df.groupby(["task", "model", "cutoff_model"])[["test_acc", "n_train"]].mean().reset_index()
paths = plotting.save_figure(fig, "fig21_difficulty_cutoffs", preset, numbers, out_dir)
# the paper's view: one panel per dataset
fig_tasks, _ = plotting.task_grid(df, plotting.plot_difficulty, ncols=4)
paths.update(plotting.save_figure(fig_tasks, "fig21_difficulty_cutoffs_by_task", preset, numbers, out_dir))

# %%
assert (df.groupby(["task", "seed"])["n_train"].nunique() == 1).all()  # every cutoff of a task: one size
assert "all" in set(df["cutoff_model"]) and set(df["cutoff_model"]) <= set(models) | {"all"}
assert all(p.exists() for p in paths.values())

# %% [markdown]
# Where the items carry their raters' agreement (`sandbox_vader`), the mean agreement (%) of each cutoff's
# training items: if the models' difficulty tracks the humans', the easy cutoffs hold the words most raters
# agree on. Empty for tasks without raters.

# %%
if "rater_agreement" in df:
    rated = df.dropna(subset=["rater_agreement"]).drop_duplicates(["task", "seed", "cutoff_model"])
    per_seed = rated.pivot_table(index="seed", columns="cutoff_model", values="rater_agreement").mul(100)
    ci = {c: bootstrap_ci(per_seed[c].dropna().to_numpy()) for c in per_seed}
    rater = pd.DataFrame(
        {
            "rater agreement (%)": per_seed.mean(),
            "95% CI": [f"[{ci[c][0]:.1f}, {ci[c][1]:.1f}]" for c in per_seed],
        }
    ).reindex([c for c in model_order(models) + ["all"] if c in per_seed])
else:
    rater = pd.DataFrame()
rater.round(1)

# %% [markdown]
# ## Ours vs the paper
#
# The paper has no numbers here. Ours: test accuracy (%) of each model by cutoff, mean over tasks and
# seeds, to read against the claim that accuracy generally rises with the cutoff. Below it, both statements
# of the paper, measured (points of test accuracy, mean over tasks; the interval resamples
# seeds). "Rises": accuracy with every item (∞) minus with the easiest cutoff, mean over models. "Declines":
# for the smallest model, accuracy with every item minus its best smaller cutoff (negative: it peaked
# before ∞). "shows" needs the whole interval on the claimed side; one seed gives no interval.

# %%
numbers.pivot_table(index="model", columns="cutoff_model", values="test_acc").mul(100).round(1)

# %%
order = model_order(models)
acc = df.groupby(["seed", "task", "model", "cutoff_model"])["test_acc"].mean().mul(100).unstack("cutoff_model")
cuts = [m for m in order if m in acc.columns]  # the cutoffs some item met, easiest first
rise = (acc["all"] - acc[cuts[0]]).groupby("seed").mean()
small = acc.xs(order[0], level="model")
drop = (small["all"] - small[cuts].max(axis=1)).groupby("seed").mean()


rows = [
    (f"accuracy, all items minus easiest cutoff ({cuts[0]}), mean over models", rise, 1,
     "raising the cutoff generally raises accuracy"),
    (f"{order[0]}: accuracy, all items minus its best smaller cutoff", drop, -1,
     "small models improve and then decline once the examples exceed their capacity"),
]  # fmt: skip
table = versus(
    [
        dict(quantity=q, ours=v.mean(), ci=bootstrap_ci(v.to_numpy()), paper_says=says, page=38)
        for q, v, _, says in rows
    ],
    preset=preset,
)
cis = [bootstrap_ci(v.to_numpy()) for _, v, _, _ in rows]
table["shows"] = [
    "one seed: no interval" if len(seeds) < 2 else "yes" if (sign > 0 and lo > 0) or (sign < 0 and hi < 0) else "no"
    for (_, _, sign, _), (lo, hi) in zip(rows, cis)
]
table
