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
#
# **The laptop setting** (`setting: laptop`, `params/laptop`; `w2s_lib/nlp/sandbox.py`) is not the paper's: the
# supervisor is a small encoder trained from scratch (`scratch-1`) and the student a real pretrained model
# (MiniLM-L6), finetuned whole by the sandbox's finetuning settings (`SANDBOX["finetune_train"]`, its learning
# rate `SANDBOX["finetune_lr"]`) or probed by the paper's recipe, on the sandbox task with real labels. Its
# ft(weak) and ft(gt) runs are those of `w2s sandbox --student-mode finetune`; the probe of ft(weak) needs
# that run's weights, so a ft(weak) run cached without them trains once more, keeping them.

# %% tags=["parameters"]
tasks: list = ["synth_sentiment"]  # task names (w2s list tasks); the paper averages over a subset of tasks
models: list = ["tiny-1", "tiny-2", "tiny-3"]  # model presets from weakest to strongest
seeds: list = [0]  # seeds: data split and initialisation
n_train: int = 2000  # training items before halving
n_test: int = 300  # test items
epochs: float = 3.0  # passes over each half's training data (finetuning runs)
batch_size: int = 16  # examples per optimizer step (finetuning runs)
minibatch_size: int = 16  # examples per forward pass (gradient accumulation)
max_len: int = 32  # tokens per example; longer texts keep their end
head_init: str = "zeros"  # classification head: zeros, or unembed01 (the paper: tokens "0" and "1", §A.1)
train_kw: dict = {}  # more TrainConfig settings for the finetuning runs (e.g. min_evals, evals_per_epoch)
probe_epochs: float = 20.0  # epochs of every linear probe (the paper's recipe: 200; smoke shortens only this)
setting: str = "finetune"  # finetune (every model finetunes, as the paper) or laptop (w2s_lib/nlp/sandbox.py)
preset: str = "smoke"  # stamped on every output: smoke, paper or laptop
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.nlp.sweep import PROBE_RECIPE
from w2s_lib.reference import paper_value, paper_values, versus
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)
# the parameters above as one checked spec (w2s_lib/nlp/variant_specs.py): what it trains is what `w2s plan` lists
spec = notebook_spec("fig11_linear_probes", globals())


# %% [markdown]
# The supervisor is the weakest model and the student the strongest. Every probe — lp(weak), lp(gt) and the
# probe on the weak-finetuned model, ft(weak)+lp(gt) — trains by the paper's probe recipe (App. D.2, p. 40,
# `sweep.PROBE_RECIPE`): Adam, learning rate 1e-3, batch 128, no weight decay, 200 epochs, early-stopped on
# agreement with its own training labels on the validation slice (weak labels for lp(weak), ground truth
# for the g.t. probes). Only the epochs change with the preset (`probe_epochs`). The probe of ft(weak) starts
# from that run's selected weights with a fresh zero head; it does not inherit the finetuning's lr or epochs.
#
# What 200 epochs cost: the backbone is frozen and its features are memoized per text
# (`models.Classifier.pooled`), so a probe pays one forward pass of the backbone per training, validation and
# test text, then only head updates. Those are not free: each step still tokenizes-to-keys and pads its batch.
# Measured on this project's 2-core CPU (tiny-3, 895 training items, 32 tokens): 20 epochs (140 steps) took
# 19 s, 200 epochs (1,399 steps) 35 s, i.e. about 12 ms per step after the first pass. The paper preset's
# probes take about 200 × 9,000 / 128 ≈ 14,000 steps each on top of one pass over the texts.

# %%
# every lp run a linear probe by the paper's recipe (its rate, batch, epochs), on the same head; laptop: the
# supervisor trains from scratch and the student finetunes by the sandbox's settings (per model)
runs = spec.methods()  # each method's runs: lp(weak), lp(gt), ft(weak), ft(weak)+lp(gt), ft(gt)
df = spec.run(cache_dir)  # train what is missing from the cache; their rows, each with its method
acc = df.groupby(["method", "task"])["test_acc"].mean().groupby("method").mean().reindex(list(runs)) * 100
paper = paper_values("fig11", metric="accuracy").drop_duplicates("series").set_index("series")["value"].to_dict()
plotting.style()
fig, ax = plotting.plt.subplots(figsize=(6, 3.8))
plotting.plot_bars(acc.to_dict(), ax=ax, reference=paper, ylim=(40, 100))
ax.set_title(f"{models[0]} supervising {models[-1]}")
paths = plotting.save_figure(fig, "fig11_linear_probes", preset, acc.to_dict(), out_dir)

# %%
assert acc.notna().all() and acc.between(0, 100).all(), acc
probes = [c for k in ("lp(weak)", "lp(gt)", "ft(weak)+lp(gt)") for c in runs[k]]
assert all(c.linear_probe and c.train.lr == PROBE_RECIPE["lr"] and c.train.batch_size == 128 for c in probes)
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# Mean test accuracy over tasks (seed means first), and the share of the lp(gt) → ft(gt) gap that
# ft(weak)+lp(gt) closes. The paper's accuracies come from GPT-4-family models on an unnamed subset of tasks,
# so our absolute accuracies "hold" only within 5 points of the paper's, which other models need not reach
# (the verdict is printed with its preset, as every claim's); the parts of claim 13 that transfer across model
# families are the share of the gap closed (60% in the paper; "holds" within 20 points) and ft(weak)+lp(gt)
# beating ft(weak) ("clearly beats naive weak-to-strong finetuning", p. 16).

# %%
gap_closed = 100 * (acc["ft(weak)+lp(gt)"] - acc["lp(gt)"]) / (acc["ft(gt)"] - acc["lp(gt)"])
beats = acc["ft(weak)+lp(gt)"] - acc["ft(weak)"]
versus(
    [
        # claim_13: lp(gt) 72%, ft(gt) 82%, ft(weak)+lp(gt) 78% (absolute: other models than the paper's)
        dict(
            claim=13,
            quantity=f"{k} (%; holds within 5 points)",
            ours=v,
            figure="fig11",
            series=k,
            metric="accuracy",
            tag="P",
            holds=bool(abs(v - paper_value("fig11", k, metric="accuracy", tag="P")) <= 5),
        )
        for k, v in acc.items()
        if k in ("lp(gt)", "ft(weak)+lp(gt)", "ft(gt)")
    ]
    + [
        dict(quantity=f"{k} (%)", ours=acc[k], figure="fig11", series=k, metric="accuracy")
        for k in ("lp(weak)", "ft(weak)")
    ]
    + [
        # claim_13: ft(weak)+lp(gt) closes 60% of the gap between lp(gt) and ft(gt)
        dict(
            claim=13,
            quantity="gap closed by ft(weak)+lp(gt) (%)",
            ours=gap_closed,
            figure="fig11",
            series="ft(weak)+lp(gt)",
            metric="pgr",
            holds=bool(abs(gap_closed - 60) <= 20),
        ),
        # claim_13: ft(weak)+lp(gt) clearly beats naive weak-to-strong finetuning
        dict(
            claim=13,
            quantity="ft(weak)+lp(gt) minus ft(weak) (points)",
            ours=beats,
            paper_says="ft(weak)+lp(gt) clearly beats naive weak-to-strong finetuning (78% vs about 75%)",
            page=16,
            holds=bool(beats > 0),
        ),
    ],
    preset=preset,
)
