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
# # Figure 3 (NLP panels a, d): naive weak-to-strong finetuning
#
# > **Figure 3** of Burns et al. (2023), p. 8: "Promising weak-to-strong generalization with naive
# > finetuning on NLP tasks and chess, but poor generalization on the ChatGPT reward modeling task."
#
# Panel (a) plots test accuracy against the strong student's size: black is the strong ceiling trained
# on ground truth, each coloured line is a weak supervisor (hue = its size) and the students it trained
# with the plain cross-entropy on its soft labels. Panel (d) plots the performance gap recovered,
# PGR = (weak-to-strong − weak) / (ceiling − weak). NLP curves are medians over the 22 tasks.
#
# What the paper reports [P, p. 8]: more than 20% of the gap is recovered even by the weakest
# supervisors; PGR grows with both supervisor and student size and is often above 50% for the largest
# students. Read off the figure [P-fig]: for the weakest supervisor PGR stays around 23–28%.
#
# The chess (b, e) and reward-modelling (c, f) panels come with those settings.

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
from w2s_lib.reference import versus
from w2s_lib.sweep import sweep_results

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %% [markdown]
# Train (or load from the cache) every weak supervisor, strong ceiling and weak-to-strong student.

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
palette = plotting.weak_palette(models[:-1])
plotting.style()
fig, (ax_acc, ax_pgr) = plotting.plt.subplots(1, 2, figsize=(10, 3.8))
plotting.plot_accuracy_vs_student(df, ax=ax_acc, palette=palette)
plotting.plot_pgr_vs_student(df, ax=ax_pgr, palette=palette, legend=False)
ax_acc.set_title("(a) test accuracy")
ax_pgr.set_title("(d) performance gap recovered")
numbers = plotting.seed_summary(df, "test_acc", by=("task", "role", "weak_model", "model", "loss"))
paths = plotting.save_figure(fig, "fig03_naive_scaling", preset, numbers, out_dir)

# %% [markdown]
# Checks: every planned run is there, the numbers are finite where they must be, the files exist.

# %%
students = df[df["role"] == "w2s"]
assert len(students) == len(tasks) * len(seeds) * len(models) * (len(models) - 1) // 2
assert students[["weak_acc", "test_acc", "strong_acc"]].notna().all().all()
assert numbers["test_acc"].between(0, 1).all()
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper's numbers come from `w2s_lib/paper_values.yaml` (tag P: stated in the text; P-fig: read off
# the figure). Ours: the median over tasks of the seed-averaged PGR of the weakest supervisor with the
# largest student, and the median over supervisors of the largest student's PGR. At the smoke preset the
# models are tiny and were never pretrained, so these numbers only show that the pipeline runs.

# %%
pairs = students.groupby(["task", "weak_model", "model"])["pgr"].mean().reset_index()
weakest_largest = pairs[(pairs["weak_model"] == models[0]) & (pairs["model"] == models[-1])]["pgr"].median()
versus(
    [
        dict(
            quantity="PGR, weakest supervisor (%)",
            ours=100 * weakest_largest,
            figure="fig03",
            series="naive",
            panel="d",
            setting="nlp",
            tag="P-fig",
        ),
        dict(
            quantity="PGR, largest student (%)",
            ours=100 * pairs[pairs["model"] == models[-1]]["pgr"].median(),
            figure="fig03",
            series="naive",
            panel="d",
            setting="nlp",
            x="largest_student",
        ),
    ]
)
