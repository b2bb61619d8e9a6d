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
# # Figure 27: when imitating the supervisor is trivial, students imitate it
#
# > **Figure 27** of Burns et al. (2023), p. 46: "Generalization when emulating weak labels is trivial."
#
# Every prompt gets the supervisor's label appended: "I think this is correct/incorrect. What do you
# think?" (on training data the label the student is trained on, on test data the supervisor's test
# prediction). The student can now copy its supervisor without learning anything about the task.
#
# What the paper reports [P, p. 46]: average PGR 0.002 ± 0.003 (naive) and 0.046 ± 0.108 (confidence
# loss), against about 0.2 and 0.8 on the original tasks.
#
# Training follows the paper where it says how (`params/paper`): the classification head starts from the
# unembedding rows of the tokens "0" and "1" (§A.1; `head_init`), the confidence loss uses alpha_max 0.75
# for the largest student and 0.5 otherwise and hardens half of each batch on these balanced tasks
# (App. A.4, p. 33), and each run is evaluated at least 20 times (`train_kw`). The smoke preset keeps the
# zero head of the reference code (its yaml says why) and the default ~8 evaluations.
#
# **The laptop setting** (`setting: laptop`, `params/laptop`; `w2s_lib/nlp/sandbox.py`) is not the paper's: the
# supervisor is a small encoder trained from scratch (`scratch-1`), the student a linear probe on a frozen
# pretrained model, on the two sandbox tasks with real labels. The pair is the setting's weakest supervisor
# and largest student of the models listed. A new text needs new frozen features, and every prompt here is
# new, so the preset lists MiniLM-L6 (23M) as its largest student, the one whose features are cheap to
# compute on a CPU (its yaml says why); as the largest student of this figure it gets the confidence loss's
# alpha_max 0.75, so those runs are its own, not the shared sweep's.

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
setting: str = "finetune"  # finetune (the paper: every model trains whole) or laptop (w2s_lib/nlp/sandbox.py)
student_mode: str = "probe"  # laptop students: probe (frozen features) or finetune (every weight trains)
preset: str = "smoke"  # stamped on every output: smoke, paper or laptop
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%

from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.core.results import pgr_table
from w2s_lib.nlp.claims import SeedPivot, group_mean_percent
from w2s_lib.reference import versus
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
# the parameters above as one checked spec (w2s_lib/nlp/analysis_specs.py): the setting's weakest supervisor and
# largest student (at laptop, each model with its settings), its students on the original prompts and with the
# supervisor's label appended, both losses
spec = notebook_spec("fig27_label_in_prompt", globals())
pair = spec.pair  # (supervisor, student)
df = spec.run(cache_dir)  # the students of both prompts and the ceilings; train what is missing
students = df[df["role"] == "w2s"].copy()
students["prompt"] = students["weak_label_in_prompt"].map({True: "label in prompt", False: "original"})
plotting.style()
fig, ax = plotting.plt.subplots(figsize=(6, 3.8))
plotting.plot_grouped_bars(students, x="prompt", y="pgr", hue="loss", ax=ax)
ax.set_title(f"{pair[0]} → {pair[1]}")
# PGR per task, pair, loss and prompt from seed-averaged accuracies (the paper's plotting code), then the
# average over tasks, as the paper reports it ("average PGR"); tasks with no gap to recover are left out
table = pgr_table(df)
# a probe's variant also says "lp" (laptop): read the prompt from its runs, not from the variant's text
by_variant = students.assign(variant=students["variant"].fillna("")).groupby("variant")["prompt"].first()
table["prompt"] = table["variant"].map(by_variant)
pgr = table.groupby(["prompt", "loss"])["pgr"].mean() * 100
paths = plotting.save_figure(fig, "fig27_label_in_prompt", preset, pgr.reset_index(), out_dir)

# %%
assert len(pgr) == 4
assert students.loc[students["weak_label_in_prompt"], "agreement_all"].between(0, 1).all()
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# Mean over tasks of PGR from seed-averaged accuracies, with the weak label in the prompt and on the
# original task. Claim 15's rows decide: with the label in the prompt naive PGR is within 5 points of 0
# (paper 0.2 ± 0.3%) and the confidence loss's within the paper's spread (4.6 ± 10.8%); on the original
# task each loss recovers more than with the label in the prompt (paper about 20% and 80%). At the laptop
# setting each row also gets a 95% percentile-bootstrap interval over seeds (a seed's runs on every task stay
# together) of the same mean over tasks.


# %%
# a draw of seeds -> PGR per (prompt, loss, task) from its mean accuracies -> mean over tasks (%)
by_seed = SeedPivot(students, ["prompt", "loss", "task"])
cis = {
    k: {"ci": by_seed.ci(group_mean_percent, ["prompt", "loss"], k)} if setting == "laptop" else {} for k in pgr.index
}
versus(
    [
        # claim_15: weak label in the prompt: naive PGR about 0
        dict(
            claim=15,
            quantity="naive, label in prompt (%)",
            ours=pgr[("label in prompt", "xent")],
            **cis[("label in prompt", "xent")],
            figure="fig27",
            series="naive",
            x="weak_label_in_prompt",
            holds=bool(abs(pgr[("label in prompt", "xent")]) <= 5),
        ),
        # claim_15: ... and the confidence loss's small too
        dict(
            claim=15,
            quantity="confidence loss, label in prompt (%)",
            ours=pgr[("label in prompt", "logconf")],
            **cis[("label in prompt", "logconf")],
            figure="fig27",
            series="aux_loss",
            x="weak_label_in_prompt",
            holds=bool(abs(pgr[("label in prompt", "logconf")] - 4.6) <= 10.8),
        ),
        # claim_15: against about 20% (naive) on the original tasks
        dict(
            claim=15,
            quantity="naive, original (%)",
            ours=pgr[("original", "xent")],
            **cis[("original", "xent")],
            figure="fig27",
            series="naive",
            x="original_task",
            holds=bool(pgr[("original", "xent")] > pgr[("label in prompt", "xent")]),
        ),
        # claim_15: ... and about 80% (confidence loss)
        dict(
            claim=15,
            quantity="confidence loss, original (%)",
            ours=pgr[("original", "logconf")],
            **cis[("original", "logconf")],
            figure="fig27",
            series="aux_loss",
            x="original_task",
            holds=bool(pgr[("original", "logconf")] > pgr[("label in prompt", "logconf")]),
        ),
    ],
    preset=preset,
)
