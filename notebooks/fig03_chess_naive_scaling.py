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
# # Figure 3 (b, e): naive weak-to-strong on chess puzzles
#
# > **Figure 3** of Burns et al. (2023), p. 8: "Promising weak-to-strong generalization with naive finetuning
# > on NLP tasks and chess, but poor generalization on the ChatGPT reward modeling task."
#
# A chess puzzle is the game so far as a numbered transcript; the answer is the puzzle's first best move.
# Models learn it generatively (next-token loss on the move only; 5 epochs, batch 32, no early stopping) and
# are scored by greedy decoding and exact match of the first move. The weak supervisor learns the true moves
# of 50k puzzles; its greedy moves on another 50k (hard labels) teach the student; 5k puzzles test.
# (b) test accuracy against student size, ceiling in black; (e) PGR.
#
# Data: Lichess puzzles at the paper preset (EleutherAI/lichess-puzzles, in the paper's format, with Elo
# from Lichess/chess-puzzles). At the smoke preset, `synth`: random legal games ending in a repeated
# knight shuffle, whose answer is the move of four half-moves earlier — a copy task in chess notation that
# tiny models can learn from scratch. Smoke numbers are plumbing checks, not a reproduction.
#
# What the paper reports [P, p. 8]: PGR is about 0 for the smallest supervisors, can exceed 40% for small
# gaps, and falls as the student grows (concave accuracy curves). Read off the figure [P-fig]: the ceiling
# rises from ≈17% to ≈84%; the highest PGR is ≈71%, at the smallest gap.

# %% tags=["parameters"]
source: str = "synth"  # puzzles: lichess (Hub) or synth (offline, generated)
models: list = ["tiny-1", "tiny-2", "tiny-3"]  # causal LMs, weakest to strongest (presets; figures need their sizes)
seeds: list = [0]  # seeds: puzzle draw and initialisation
n_train: int = 300  # puzzles per training part (paper: 50k)
n_test: int = 200  # test puzzles (paper: 5k)
n_parts: int = 3  # training parts: the supervisors' and one per bootstrap step (paper: 4)
n_pool: int = 0  # puzzles drawn in all for easy/hard sets (0: just enough for the parts)
epochs: float = 10.0  # passes over each part (paper: 5)
batch_size: int = 32  # puzzles per optimizer step (paper: 32)
minibatch_size: int = 32  # puzzles per forward pass (gradient accumulation)
max_len: int = 128  # tokens per transcript + move; long transcripts keep their end
lr: dict = {}  # learning rate per model; others: w2s_lib.chess.protocol.CHESS_LR, else the preset's
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/chess"  # results cache shared by the chess notebooks
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.chess import figures
from w2s_lib.core.cache import results_dir
from w2s_lib.reference import versus
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %% [markdown]
# One call runs (or loads) every run of the chess notebooks' sweep: supervisors, ceilings, every naive
# pair, the bootstrap chains of Fig. 4 and the zero-shot baselines of Fig. 15.

# %%
# the parameters above as one checked spec (w2s_lib/chess/spec.py): what it trains is what `w2s plan` lists
spec = notebook_spec("fig03_chess_naive_scaling", globals())
df = spec.naive_and_bootstrap(cache_dir)
naive = df[df["series"].isin(["naive", "ceiling"])]
palette = plotting.weak_palette(models[:-1])
plotting.style()
fig, (ax_acc, ax_pgr) = plotting.plt.subplots(1, 2, figsize=(10, 3.8))
plotting.plot_accuracy_vs_student(naive, ax=ax_acc, palette=palette)
plotting.plot_pgr_vs_student(naive, ax=ax_pgr, palette=palette, legend=False)
ax_acc.set_title("(b) chess: test accuracy")
ax_pgr.set_title("(e) chess: PGR")
summary = plotting.seed_summary(naive, "test_acc", by=("role", "weak_model", "model"))
summary["pgr"] = plotting.seed_summary(naive, "pgr", by=("role", "weak_model", "model"))["pgr"]
paths = plotting.save_figure(fig, "fig03_chess_naive_scaling", preset, summary, out_dir)
naive[naive["role"] == "w2s"][
    ["weak_model", "model", "seed", "weak_acc", "test_acc", "strong_acc", "pgr", "label_acc", "legal_rate"]
]

# %%
assert df["test_acc"].between(0, 1).all() and set(naive["role"]) == {"w2s", "ceiling"}
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# `label_acc` is how often the supervisor's move was right on the student's puzzles; `legal_rate` how often
# a predicted move is legal in the position. The paper's numbers are for GPT-4-family models on Lichess
# puzzles [P-fig, ±1–2 points]; at the smoke preset tiny random-init models play a copy task, so only the
# shape of the pipeline is comparable, not the values. In our smoke runs (2-core CPU) every tiny model,
# supervisor or student, settled near the same ~20%: in 90 steps they learn which knight moves are common,
# not the copy, so differences between them (and the PGRs) are noise.
#
# PGR per (supervisor, student) is computed from the seed-averaged accuracies, and a pair whose mean ceiling is
# not above its supervisor has none (`figures.pgr_by_pair`, as `results.pgr_table`). Claim 6 [P, p. 8] in three
# parts: (i) PGR is about 0 for the smallest supervisor (we read "about 0" as within ±10 points, averaged over
# its students); (ii) it exceeds 40% for small gaps (the best pair of adjacent sizes); (iii) for a fixed
# supervisor it falls as the student grows (every supervisor with two or more students: PGR at its largest
# student below PGR at its smallest; the row shows the mean change in points).

# %%
ceil = figures.ceilings_by_size(df)  # weakest to strongest
pairs = figures.pgr_by_pair(df, "naive")  # PGR per (supervisor, student), from seed-averaged accuracies
rank = {m: i for i, m in enumerate(models)}
adjacent = pairs[pairs["strong_model"].map(rank) - pairs["weak_model"].map(rank) == 1]  # the smallest gaps
weakest_pgr = 100 * pairs.loc[pairs["weak_model"] == models[0], "pgr"].mean()
trend = 100 * figures.change_with_student(pairs, "pgr", models)  # per supervisor: largest minus smallest student
versus(
    [
        dict(  # claim_6: chess naive PGR is about 0 for the smallest supervisors
            claim=6,
            quantity=f"PGR of the smallest supervisor ({models[0]}), mean over its students (%; about 0: ±10)",
            ours=weakest_pgr,
            figure="fig03",
            panel="e",
            setting="chess",
            supervisor="weakest",
            series="naive",
            holds=bool(abs(weakest_pgr) <= 10),
        ),
        dict(  # claim_6: chess naive PGR exceeds 40% for small gaps
            claim=6,
            quantity="highest PGR of adjacent sizes (%)",
            ours=100 * adjacent["pgr"].max(),
            figure="fig03",
            panel="e",
            setting="chess",
            x="small_gap",
            series="naive",
            holds=bool(100 * adjacent["pgr"].max() > 40),
        ),
        dict(  # claim_6: for a fixed supervisor, chess PGR falls as the student grows
            claim=6,
            quantity="PGR change from a supervisor's smallest to its largest student (points, mean)",
            ours=trend.mean(),
            paper_says="for a fixed supervisor, PGR falls as the student grows (negative scaling, concave accuracy)",
            page=8,
            holds=bool((trend < 0).all()),  # empty: ours is nan, so "not measurable"
        ),
        dict(
            quantity="ceiling, smallest student (%)",
            ours=100 * ceil.iloc[0],
            figure="fig03",
            panel="b",
            setting="chess",
            series="ceiling",
            x="smallest_student",
        ),
        dict(
            quantity="ceiling, largest student (%)",
            ours=100 * ceil.iloc[-1],
            figure="fig03",
            panel="b",
            setting="chess",
            series="ceiling",
            x="gpt4",
        ),
        dict(
            quantity="highest PGR at the smallest gap (%)",
            ours=100 * adjacent["pgr"].max(),
            figure="fig03",
            panel="e",
            setting="chess",
            series="naive",
            x="smallest_gap",
        ),
    ],
    preset=preset,
)
