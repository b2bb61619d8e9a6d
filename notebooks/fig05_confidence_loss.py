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
# # Figure 5: the auxiliary confidence loss
#
# > **Figure 5** of Burns et al. (2023), p. 10: "Substantially improved generalization on NLP datasets
# > with a simple auxiliary loss."
#
# Test accuracy (a) and PGR (b) against student size; dotted lines are naive training (cross-entropy on
# the weak labels), triangles the auxiliary confidence loss (eq. 1: the target mixes the weak label with
# the student's own hardened prediction, weight α warming up to 0.5 over the first 20% of training).
#
# What the paper reports [P, p. 10]: for small students the loss is slightly worse than naive training;
# for large gaps it helps dramatically: with the smallest supervisor and GPT-4, median PGR rises from
# about 25% to nearly 80%.
#
# Training follows the paper where it says how (`params/paper`): the classification head starts from the
# unembedding rows of the tokens "0" and "1" (§A.1; `head_init`), the confidence loss uses alpha_max 0.75
# for the largest student and 0.5 otherwise and hardens half of each batch on these balanced tasks
# (App. A.4, p. 33), and each run is evaluated at least 20 times (`train_kw`). The smoke preset keeps the
# zero head of the reference code (its yaml says why) and the default ~8 evaluations.

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
head_init: str = "zeros"  # classifier head: zeros (reference code) or unembed01 ("0"/"1" unembeddings, paper §A.1)
train_kw: dict = {}  # more TrainConfig settings (e.g. min_evals, evals_per_epoch, eval_batch_size)
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.cache import results_dir
from w2s_lib.reference import versus
from w2s_lib.sweep import sweep_results

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
df = sweep_results(
    cache_dir,
    tasks,
    models,
    ["xent", "logconf"],
    seeds,
    n_train=n_train,
    n_test=n_test,
    epochs=epochs,
    batch_size=batch_size,
    minibatch_size=minibatch_size,
    max_len=max_len,
    head_init=head_init,
    train_kw=train_kw,
)
palette = plotting.weak_palette(models[:-1])
plotting.style()
fig, (ax_acc, ax_pgr) = plotting.plt.subplots(1, 2, figsize=(10, 3.8))
plotting.plot_accuracy_vs_student(df, ax=ax_acc, losses=("xent", "logconf"), palette=palette)
plotting.plot_pgr_vs_student(df, ax=ax_pgr, losses=("xent", "logconf"), palette=palette, legend=False)
ax_acc.set_title("(a) test accuracy")
ax_pgr.set_title("(b) performance gap recovered")
numbers = plotting.seed_summary(df[df["role"] == "w2s"], "pgr")
paths = plotting.save_figure(fig, "fig05_confidence_loss", preset, numbers, out_dir)

# %%
students = df[df["role"] == "w2s"]
assert set(students["loss"]) == {"xent", "logconf"}
assert students[["weak_acc", "test_acc", "strong_acc"]].notna().all().all()
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# PGR per task and (supervisor, student, loss) from seed-averaged accuracies (`results.pgr_table`), then
# the median over tasks; pairs whose ceiling is not above the supervisor are left out. The paper's numbers
# are for GPT-2-level → GPT-4 [P, p. 10]; ours are for the models named in the parameters, the largest
# standing in for GPT-4. The confidence loss runs with the paper's settings (App. A.4, p. 33): alpha_max
# 0.75 for the largest student, 0.5 for the others, half of each batch hardened on balanced tasks.
# The claim rows decide:
#
# - claim 4, median PGR of the smallest supervisor → largest student goes "from about 25% to nearly 80%":
#   naive within 25 ± 15%, confidence loss at least 65%; "close to GPT-3.5-level performance" needs GPT-3.5
#   and GPT-4, which no preset has;
# - claim 5, the confidence loss is "slightly worse than naive for small students and small gaps": its PGR
#   minus the naive PGR lies in [-15, 0) points ("slightly" worse) for the smallest student (weakest
#   supervisor) and, in the median, for pairs of adjacent sizes.
#
# At the smoke preset: tiny from-scratch models, so no pretrained knowledge to elicit.

# %%
from w2s_lib.nlp_claims import loss_gain, pgr_medians, pgr_of

pgr = pgr_medians(df)
naive, conf = pgr_of(pgr, models[0], models[-1], "xent"), pgr_of(pgr, models[0], models[-1], "logconf")
small_gap = loss_gain(pgr, [(models[0], models[1])])
adjacent = loss_gain(pgr, list(zip(models, models[1:])))
versus(
    [
        # claim_4: smallest supervisor -> largest student, naive about 25%
        dict(
            claim=4,
            quantity="PGR naive, weakest → largest (%)",
            ours=naive,
            figure="fig05",
            series="naive",
            panel="b",
            tag="P",
            holds=bool(abs(naive - 25) <= 15),
        ),
        # claim_4: ... and nearly 80% with the confidence loss
        dict(
            claim=4,
            quantity="PGR confidence loss, weakest → largest (%)",
            ours=conf,
            figure="fig05",
            series="aux_loss",
            panel="b",
            tag="P",
            holds=bool(conf >= 65),
        ),
        # claim_4: close to GPT-3.5-level performance (needs GPT-3.5 and GPT-4)
        dict(
            claim=4,
            quantity="GPT-4 student with a GPT-2-level supervisor vs GPT-3.5",
            ours=float("nan"),
            paper_says="GPT-2-level supervision elicits close to GPT-3.5-level performance from GPT-4 (abstract)",
            page=1,
            holds=None,
        ),
        dict(
            quantity=f"PGR naive, {models[0]} → {models[1]} (%)",
            ours=pgr_of(pgr, models[0], models[1], "xent"),
            figure="fig05",
            series="naive",
            x="smallest_student",
        ),
        dict(
            quantity=f"PGR confidence loss, {models[0]} → {models[1]} (%)",
            ours=pgr_of(pgr, models[0], models[1], "logconf"),
            figure="fig05",
            series="aux_loss",
            x="smallest_student",
        ),
        # claim_5: the confidence loss is slightly worse than naive for small students ...
        dict(
            claim=5,
            quantity="confidence loss − naive PGR, smallest student (points)",
            ours=small_gap,
            paper_says="for small students and small gaps the loss is slightly worse than naive training",
            page=10,
            holds=bool(-15 <= small_gap < 0),
        ),
        # claim_5: ... and small gaps
        dict(
            claim=5,
            quantity="confidence loss − naive PGR, adjacent sizes, median (points)",
            ours=adjacent,
            paper_says="for small students and small gaps the loss is slightly worse than naive training",
            page=10,
            holds=bool(-15 <= adjacent < 0),
        ),
    ]
)
