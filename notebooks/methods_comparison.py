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
# # Beyond the paper: every weak-to-strong method on the same runs
#
# The paper compares naive training, the auxiliary confidence loss and bootstrapping (§4.3); later work
# (EleutherAI's w2s and its 2024 write-up) proposed many more and compared them in separate scripts. Here every
# registered method (`w2s compare --list`; `w2s_lib/nlp/methods/`, one file per family, each citing its source)
# trains on the **same** supervisors' labels, tasks and seeds: the naive sweep is planned once, each method turns
# every naive student into its own run, and all of them read the same cached weak labels and are measured
# against the same supervisor and ceiling runs (`w2s_lib/nlp/compare.py`).
#
# The table gives, per student and method, the PGR of the mean accuracies over tasks, supervisors and seeds with
# a 95% interval over seeds, and the difference from naive training with an interval paired over seeds and
# supervisors; a method is "better" only when that interval excludes zero. `w2s compare --preset PRESET` prints
# the same table. At the smoke preset the models are tiny random-init GPT-2s and one seed: its numbers test the
# code, not the methods.

# %% tags=["parameters"]
setting: str = "finetune"  # finetune (the paper's) or laptop (w2s_lib/nlp/sandbox.py)
tasks: list = ["synth_sentiment"]  # task names (w2s list tasks)
supervisors: list = ["tiny-1", "tiny-2"]  # weak models, trained on half A's ground truth
students: list = ["tiny-2", "tiny-3"]  # finetuned whole (laptop: linear probes on frozen features)
finetuned: list = []  # laptop: students also finetuned whole
finetuned_tasks: list = []  # laptop: the tasks they train on (empty: every task)
finetuned_supervisors: list = []  # laptop: their supervisors (empty: every supervisor)
seeds: list = [0]  # data split and initialisation
methods: list = []  # registered method names (empty: every one)
sizes: dict = {}  # task -> [n_train, n_test, max_len]; other tasks: the three below
n_train: int = 400  # training items before halving
n_test: int = 200  # test items
max_len: int = 32  # tokens per example
epochs: float = 2.0  # passes over each half's training data
batch_size: int = 16  # examples per optimizer step
minibatch_size: int = 16  # examples per forward pass
head_init: str = ""  # classifier head: "" (each setting's), zeros, or unembed01 (paper §A.1)
train_kw: dict = {}  # more TrainConfig settings (e.g. min_evals, eval_batch_size)
preset: str = "smoke"  # stamped on every output: smoke, laptop or paper
cache_dir: str = "../results/compare-smoke"  # results cache of this notebook
out_dir: str = "../figures"  # where the figure and its numbers go

# %%
from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.nlp.compare import format_table, method_table
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)

# %%
# the parameters above as one checked spec: what it trains is what `w2s plan` lists
spec = notebook_spec("methods_comparison", globals())
for name, reasons in spec.plan()[1].items():
    print(f"{name} skips some students: {'; '.join(reasons)}")
rows = spec.run(cache_dir)  # train what is missing from the cache; one row per method and naive student
table = method_table(rows)
print(format_table(table))

# %%
plotting.style()
fig = plotting.plot_method_comparison(table)
paths = plotting.save_figure(fig, "methods_comparison", preset, table.to_dict("records"), out_dir)

# %%
assert set(table["method"]) == set(rows["method"]) and "naive" in set(table["method"])
assert (table.loc[table["method"] == "naive", "delta"].fillna(0) == 0).all()
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper reports, for its NLP tasks, that the confidence loss raises median PGR for large supervisor-student
# gaps and slightly lowers it for small students (§4.3.2, Fig. 5), and that bootstrapping helps chess more than
# NLP (§4.3.1); EleutherAI's 2024 write-up found only the log-confidence loss giving possibly consistent gains
# across 21 datasets. This notebook checks no claim of the paper: the methods beyond it have no paper numbers,
# and at the laptop preset the supervisors and students are not the paper's (README, "Every method on the
# same runs", gives the laptop table and what each method did there).
