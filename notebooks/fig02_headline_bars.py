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
# # Figure 2 (NLP panel): the headline bars
#
# > **Figure 2** of Burns et al. (2023), p. 3: "Strong models trained with weak supervision generalize
# > beyond their supervisor, and improving weak-to-strong generalization is tractable."
#
# Four bars for one representative NLP task (the paper does not say which): the weak supervisor trained
# on ground truth, the naive weak-to-strong student, the best method (for NLP, the auxiliary confidence
# loss) and the strong ceiling trained on ground truth. The paper's pair is a GPT-2-level supervisor and
# GPT-4. Bar heights read off the figure [P-fig]: weak ≈ 62, naive ≈ 80.5, best ≈ 87.5, ceiling ≈ 94.
#
# Ours: the weakest supervisor in `models` and the largest student, as medians over `tasks` of
# seed-averaged test accuracies. The chess and reward-modelling panels come with those settings.
#
# Training follows the paper where it says how (`params/paper`): the classification head starts from the
# unembedding rows of the tokens "0" and "1" (§A.1; `head_init`), the confidence loss uses alpha_max 0.75
# for the largest student and 0.5 otherwise and hardens half of each batch on these balanced tasks
# (App. A.4, p. 33), and each run is evaluated at least 20 times (`train_kw`). The smoke preset keeps the
# zero head of the reference code (its yaml says why) and the default ~8 evaluations.
#
# **The laptop setting** (`setting: laptop`, `params/laptop`; `w2s_lib/nlp/sandbox.py`) is not the paper's: the
# supervisors are small encoders trained from scratch (`scratch-1`, `scratch-2`), the students linear probes
# on frozen pretrained models of 14M–135M parameters (MiniLM-L1, MiniLM-L6, MPNet-base, SmolLM2-135M), on the
# two sandbox tasks with real labels. The bars are `scratch-1` → SmolLM2-135M: the order of the bars can be
# compared with the paper's, their heights cannot (other tasks, other models).

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
from w2s_lib.nlp.claims import cell_gap, cell_percent, median_accuracies
from w2s_lib.reference import paper_values, versus
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
# the parameters above as one checked spec (w2s_lib/nlp/spec.py): what it trains is what `w2s plan` lists
spec = notebook_spec("fig02_headline_bars", globals())
df = spec.run(cache_dir)  # train what is missing from the cache; its rows
weak, strong = spec.supervisors[0], spec.students[-1]
pair = df[(df["role"] == "w2s") & (df["weak_model"] == weak) & (df["model"] == strong)]
# the median over tasks of seed-averaged accuracies, per loss; the bars are four of its cells (in %)
cells = {"weak": ("xent", "weak_acc"), "naive": ("xent", "test_acc"), "best_method": ("logconf", "test_acc")}
cells["ceiling"] = ("xent", "strong_acc")
per_task = median_accuracies(pair)
bars = {k: cell_percent(per_task, cell) for k, cell in cells.items()}
paper = paper_values("fig02", setting="nlp").set_index("series")["value"].to_dict()
plotting.style()
fig, ax = plotting.plt.subplots(figsize=(4, 3.8))
plotting.plot_bars(bars, ax=ax, reference=paper, ylim=(40, 100))
# the paper's NLP panel is one representative task it does not name; ours is the median over the preset's tasks
ax.set_title(f"NLP: {weak} → {strong}\nmedian over {pair['task'].nunique()} tasks (paper: one, unnamed)")
paths = plotting.save_figure(fig, "fig02_headline_bars", preset, {"ours": bars, "paper": paper}, out_dir)

# %%
assert set(bars) == {"weak", "naive", "best_method", "ceiling"}
assert all(0 <= v <= 100 for v in bars.values()), bars
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper's bars are read off its figure [P-fig, ±1–2 points]. Claim 18 holds for a bar when ours is
# within 5 points of the paper's (the reading error and then some); the paper's pair is a GPT-2-level
# supervisor and GPT-4, ours the weakest supervisor and the largest student of the preset, and our NLP bars
# are medians over the preset's tasks where the paper's are one task it does not name. Every row is decided
# at every preset and printed with it (the one policy, `w2s_lib/claims.yaml`): at smoke the models are tiny
# and never pretrained, at `setting: laptop` the students are small pretrained probes on the sandbox tasks,
# so a verdict there says whether that setting's bars have the paper's heights, not whether the paper's
# do. What also compares across settings is the figure's message, the order of the bars: the rows after
# the claims give each step up (naive − weak, confidence loss − naive, ceiling − confidence loss), which the
# paper's bars have positive. The chess and RM bars are trained by other notebooks, so this one prints them
# as not measurable, with where to find them. Intervals: 95% percentile bootstrap over seeds (a seed's runs
# on every task stay together) of the same medians; "n/a" with one seed.

# %%
from w2s_lib.core.results import SeedBootstrap

boot = SeedBootstrap(pair, median_accuracies)  # the same medians on seeds drawn with replacement
steps = [("naive", "weak"), ("best_method", "naive"), ("ceiling", "best_method")]
versus(
    [
        # claim_18: Figure 2's NLP bars, weak / naive / best method / ceiling = 62 / 80.5 / 87.5 / 94
        dict(
            claim=18,
            quantity=f"{k} (%): {weak} → {strong}",
            ours=v,
            ci=boot.ci(cell_percent, cells[k]),
            figure="fig02",
            series=k,
            setting="nlp",
            holds=bool(abs(v - paper[k]) <= 5),
        )
        for k, v in bars.items()
    ]
    + [
        # claim_18: the chess and RM bars come from other notebooks' runs
        dict(
            claim=18,
            quantity=f"{name} bars, weak / naive / best method / ceiling (%)",
            ours=float("nan"),
            paper_says=f"Figure 2's {name} bars: "
            + " / ".join(f"{v:g}" for v in paper_values("fig02", setting=name.lower())["value"]),
            page=3,
            reason=f"this notebook trains the NLP panel only; {where} train the {name} runs behind these bars",
        )
        for name, where in [
            ("chess", "fig03_chess_naive_scaling and fig04_fig15_chess_bootstrapping"),
            ("RM", "fig03_rm_naive_scaling and fig10_fig17_fig18_generative_finetuning"),
        ]
    ]
    + [
        dict(
            quantity=f"{a} − {b} (points)",
            ours=bars[a] - bars[b],
            ci=boot.ci(cell_gap, cells[a], cells[b]),
            paper_says="weak < naive < best method < ceiling (Figure 2's NLP bars: 62 / 80.5 / 87.5 / 94)",
            page=3,
        )
        for a, b in steps
    ],
    preset=preset,
)
