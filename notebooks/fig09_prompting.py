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
# # Figure 9: zero-shot and few-shot prompting
#
# > **Figure 9** of Burns et al. (2023), p. 14: "Few-shot prompting becomes competitive with finetuning for large
# > models; weak-to-strong learning is qualitatively similar in the prompting setting."
#
# Average test accuracy over the NLP tasks against student size: (a) zero-shot, 5-shot with ground-truth labels,
# and finetuning on ground truth; (b) 5-shot with *weak* labels, one colour per supervisor, beside zero-shot and
# 5-shot g.t.; (c) weak-to-strong accuracy of 5-shot prompting with weak labels, naive finetuning and the
# auxiliary confidence loss.
#
# What the paper reports [P, p. 14]: zero-shot and 5-shot accuracy are poor until the largest models, where 5-shot
# is competitive with finetuning; weak-label 5-shot is worse than g.t. 5-shot, overtakes naive finetuning for the
# largest students, but loses to the confidence loss. The paper averages 7 tasks (CosmosQA, Deontology, Justice,
# QuAIL, SciQ, Social IQa, Virtue: the tasks of its Table 2 prompts, an inference [U]).
#
# **Our prompts are not the paper's.** Table 2 (App. B, p. 35) prints one instruction per task; we could not find
# its verbatim text to copy word for word, so every prompt here starts with our own instruction of the same kind
# (what the input is, then "write 1 if ..., and 0 otherwise"; `w2s_lib/nlp/prompting.py`). The parameter `prompts`
# names the set: `ours`, or `paper`, which stops with a one-line error until Table 2's text is added to the
# library. Accuracy depends on wording, so our prompting numbers are not the paper's prompts' numbers.
#
# **Smoke preset:** the models are tiny and randomly initialised, so prompting them gives about chance accuracy.
# The smoke numbers check the plumbing (prompts, shots, weak labels, scoring, cache, figure), they are not a
# reproduction; the paper preset prompts pretrained GPT-2 models on the 7 tasks.

# %% tags=["parameters"]
tasks: list = ["synth_sentiment"]  # task names (w2s list tasks); the paper averages its 7 prompted tasks
models: list = ["tiny-1", "tiny-2", "tiny-3"]  # model presets from weakest to strongest (students and prompted models)
supervisors: list = ["tiny-1", "tiny-2"]  # weak supervisors whose labels go into the shots (the paper plots two)
seeds: list = [0]  # seeds: data split, initialisation and shot draws
shots: int = 5  # labelled examples per few-shot prompt (the paper: 5)
n_train: int = 2000  # training items before halving (as fig05, so the finetuning runs are shared)
n_test: int = 300  # test items
epochs: float = 3.0  # finetuning: passes over each half's training data
batch_size: int = 16  # finetuning: examples per optimizer step
minibatch_size: int = 16  # finetuning: examples per forward pass (gradient accumulation)
max_len: int = 32  # finetuning: tokens per example; longer texts keep their end
head_init: str = "zeros"  # finetuning head: zeros (reference code) or unembed01 ("0"/"1" unembeddings, §A.1)
train_kw: dict = {}  # more finetuning TrainConfig settings (e.g. min_evals, evals_per_epoch, eval_batch_size)
prompt_max_len: int = 512  # tokens per prompt; longer prompts drop their earliest shots first
prompt_batch_size: int = 32  # prompts per forward pass (does not change results)
prompts: str = "ours"  # instruction set: ours (our wording); paper (Table 2, verbatim) is not in the library yet
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/nlp"  # results cache shared by the NLP notebooks (prompting runs too)
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.nlp.prompting import fig09_curves, shots_survived
from w2s_lib.reference import versus
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)
# the parameters above as one checked spec (w2s_lib/nlp/variant_specs.py): what it trains is what `w2s plan` lists
spec = notebook_spec("fig09_prompting", globals())


# %% [markdown]
# The finetuning sweep is Fig. 5's (same cache and settings, so nothing retrains once `fig05_confidence_loss` has
# run). Every model is then prompted zero-shot and with `shots` shots labelled by ground truth, and every student
# larger than a supervisor with `shots` shots labelled by that supervisor's hard predictions on half B (the data
# its finetuned students learn from). The instruction of each task is our own wording, not the paper's Table 2
# (see above); shots are drawn per test item from half B's training items, class-balanced on the labels shown.

# %%
# the same head and evaluation schedule as fig05, so that its finetuning runs are these (shared through the cache)
finetuned = spec.run_sweep(cache_dir)  # train what is missing from the cache; the sweep's rows
prompts = spec.run_prompts(cache_dir)  # then every prompting run (its supervisor first, where missing)
curves = fig09_curves(prompts, finetuned)
print(f"prompting and finetuning runs cached in {cache_dir}")
prompts[
    ["task", "seed", "role", "weak_model", "model", "shots", "shot_labels", "test_acc", "weak_acc", "mean_shots_kept"]
]

# %% [markdown]
# A prompt longer than `prompt_max_len` tokens loses its earliest shots first. How many of the shots survived,
# per task (over every few-shot run: models, seeds, g.t. and weak labels):

# %%
survived = shots_survived(prompts)
for r in survived.itertuples():
    print(
        f"{r.task}: {r.shots}-shot prompts kept {r.mean_shots_kept:.2f} of {r.shots} shots on average; "
        f"{100 * r.frac_all_shots:.0f}% kept all {r.shots}; the fewest any prompt kept: {r.min_shots_kept:.0f} "
        f"({r.n_runs} runs)"
    )
survived

# %%
few, weak = f"{shots}-shot g.t.", f"{shots}-shot weak"
baselines = {"zero-shot": "#8c8c8c", few: "#1f77b4", "finetune g.t.": "black"}
methods = [weak, "finetune weak (naive)", "finetune weak (aux. loss)"]
palette = plotting.weak_palette(supervisors)
view = curves.rename(columns={"series": "method", "weak_model": "supervisor"})
by_supervisor = view[view["supervisor"].isin(supervisors)]
plotting.style()
fig, (ax_a, ax_b, ax_c) = plotting.plt.subplots(1, 3, figsize=(15, 3.9), sharey=True)
plotting.sns.lineplot(
    data=view[view["method"].isin(list(baselines))],
    x="params",
    y="acc",
    hue="method",
    hue_order=list(baselines),
    palette=baselines,
    marker="o",
    ax=ax_a,
)
plotting.sns.lineplot(
    data=view[view["method"].isin(["zero-shot", few])],
    x="params",
    y="acc",
    hue="method",
    hue_order=["zero-shot", few],
    palette=baselines,
    marker="o",
    ax=ax_b,
)
plotting.sns.lineplot(
    data=by_supervisor[by_supervisor["method"] == weak],
    x="params",
    y="acc",
    hue="supervisor",
    hue_order=list(palette),
    palette=palette,
    marker="^",
    ax=ax_b,
)
plotting.sns.lineplot(
    data=by_supervisor[by_supervisor["method"].isin(methods)],
    x="params",
    y="acc",
    hue="supervisor",
    hue_order=list(palette),
    palette=palette,
    style="method",
    style_order=methods,
    markers=["^", "o", "s"],
    dashes=["", (1, 2), (4, 2)],
    ax=ax_c,
)
ax_a.set_title("(a) prompting vs finetuning, g.t. labels")
ax_b.set_title(f"(b) {shots}-shot with weak labels (colour: supervisor)")
ax_c.set_title("(c) weak-to-strong: prompting vs finetuning")
for ax in (ax_a, ax_b, ax_c):
    plotting.format_model_axis(ax, models)
    plotting.sns.move_legend(
        ax,
        "upper left",
        bbox_to_anchor=(1, 1),
        fontsize="x-small",
        title=None if ax is not ax_c else "supervisor / method",
    )
ax_a.set_ylabel("test accuracy (%)")
fig.tight_layout()
paths = plotting.save_figure(fig, "fig09_prompting", preset, curves, out_dir)

# %%
n_pairs = sum(plotting.model_x(w) < plotting.model_x(m) for w in supervisors for m in models)
assert len(prompts) == len(tasks) * len(seeds) * (2 * len(models) + n_pairs), len(prompts)
assert set(prompts["role"]) == {"zero_shot", "few_shot"} and prompts["test_acc"].between(0, 1).all()
assert prompts[prompts["shot_labels"] == "weak"]["weak_acc"].notna().all()
assert set(curves["series"]) == set(baselines) | set(methods) and curves["acc"].notna().all()
assert all(p.exists() for p in paths.values())
assert list(survived["task"]) == sorted(tasks) and survived["mean_shots_kept"].between(0, shots).all()

# %% [markdown]
# ## Ours vs the paper
#
# The largest student's accuracy, averaged over tasks (seeds first), beside the paper's at GPT-4 (read off
# Fig. 9a [P-fig]). At the smoke preset our prompted models are random-init tiny GPT-2s: their prompting numbers
# sit near 50% by construction, and only the finetuning row means anything (a model trained from scratch on the
# task); none of it is a reproduction. The paper preset compares pretrained GPT-2s, far below GPT-4's scale.
#
# Claim 12 [P, p. 14] in three parts, all at the largest student: (i) 5-shot prompting with g.t. labels is
# competitive with finetuning on g.t. (we call it competitive within 5 points; Fig. 9a reads ≈88.5% against
# ≈91%); (ii) 5-shot prompting with weak labels beats naive finetuning on the same weak labels and (iii) loses to
# the confidence loss, both averaged over the supervisors. The verdicts are decided at every preset and printed
# with it (the one policy, `w2s_lib/claims.yaml`); random-init models cannot read an instruction or learn from
# shots in context, so at the smoke preset they say nothing about prompting.

# %%
top = curves[(curves["model"] == models[-1]) & (curves["weak_model"] == "")].set_index("series")["acc"]
w2s_top = curves[(curves["model"] == models[-1]) & curves["weak_model"].isin(supervisors)].groupby("series")["acc"]
w2s_top = w2s_top.mean()  # the largest student's weak-to-strong accuracy (%), averaged over the supervisors
gap_gt = top[few] - top["finetune g.t."]
weak_vs_naive = w2s_top[weak] - w2s_top["finetune weak (naive)"]
weak_vs_aux = w2s_top[weak] - w2s_top["finetune weak (aux. loss)"]
versus(
    [
        dict(  # claim_12: 5-shot prompting is competitive with finetuning at the largest size
            claim=12,
            quantity=f"{shots}-shot g.t. minus finetuned g.t., {models[-1]} (points; competitive: > -5)",
            ours=gap_gt,
            paper_says="at the largest size 5-shot prompting is competitive with finetuning (Fig. 9a: ≈88.5 vs ≈91%)",
            page=14,
            holds=bool(gap_gt > -5),
        ),
        dict(  # claim_12: weak-label few-shot beats naive finetuning for the largest students
            claim=12,
            quantity=f"{shots}-shot weak minus naive finetuning on weak labels, {models[-1]} (points)",
            ours=weak_vs_naive,
            paper_says="weak-label few-shot prompting beats naive weak-to-strong finetuning for the largest students",
            page=14,
            holds=bool(weak_vs_naive > 0),
        ),
        dict(  # claim_12: ... but loses to the confidence loss
            claim=12,
            quantity=f"{shots}-shot weak minus the confidence loss on weak labels, {models[-1]} (points)",
            ours=weak_vs_aux,
            paper_says="finetuning with the auxiliary confidence loss still beats weak-label few-shot prompting",
            page=14,
            holds=bool(weak_vs_aux < 0),
        ),
        dict(quantity=f"zero-shot, {models[-1]} (%)", ours=top["zero-shot"], figure="fig09", series="zero_shot"),
        dict(quantity=f"{shots}-shot g.t., {models[-1]} (%)", ours=top[few], figure="fig09", series="5shot(gt)"),
        dict(
            quantity=f"finetuned on g.t., {models[-1]} (%)", ours=top["finetune g.t."], figure="fig09", series="ft(gt)"
        ),
    ],
    preset=preset,
)
