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
# # Figure 14: example chess puzzles
#
# > **Figure 14** of Burns et al. (2023), p. 31: "Chess puzzles: example datapoints."
#
# A puzzle is the game so far, written as a numbered move list, and its answer is the puzzle's first best
# move, with a leading space. The paper shows an Elo-695 puzzle (answer " Qxc1+") and an Elo-2253 one
# (" Qf5"). Here: the puzzles of `source` nearest to those ratings, as the model reads them (the
# transcript) and as a player would (the position, the answer's squares highlighted), and the source's
# spread of Elo ratings.
#
# At the smoke preset the source is `synth`, generated offline: random legal openings that end in a knight
# shuffle played twice, whose answer is the move of four half-moves earlier (a copy task in chess notation,
# with Elo growing with the opening's length). The paper preset reads Lichess puzzles from the Hub.

# %% tags=["parameters"]
source: str = "synth"  # puzzles: lichess (Hub) or synth (offline, generated)
n: int = 500  # puzzles to draw for the examples and the Elo spread
seed: int = 0  # which puzzles are drawn
elos: list = [695, 2253]  # show the puzzles nearest to these ratings (the paper's two examples)
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/chess"  # results cache of the chess notebooks (this one trains nothing)
out_dir: str = "../figures"  # where figures and their numbers go

# %%
import textwrap

import pandas as pd

from w2s_lib import plotting
from w2s_lib.chess.figures import draw_puzzle, nearest_elo
from w2s_lib.core.cache import results_dir
from w2s_lib.specs import notebook_spec

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)
# the parameters above as one checked spec (w2s_lib/chess/spec.py); it trains nothing, so `w2s plan` lists no run
spec = notebook_spec("fig14_chess_examples", globals())


# %%
puzzles = spec.puzzles()
examples = [nearest_elo(puzzles, e) for e in elos]
plotting.style()
fig, axes = plotting.plt.subplots(1, len(examples), figsize=(4.2 * len(examples), 4.4))
for ax, p in zip(axes, examples):
    draw_puzzle(ax, p)
paths = plotting.save_figure(fig, "fig14_chess_examples", preset, {"examples": examples}, out_dir)
print("\n\n".join(f"Elo {p['elo']}:\n{textwrap.fill(p['ctx'], 100)}\nanswer:{p['target']}" for p in examples))

# %% [markdown]
# The spread of ratings in the drawn puzzles (the paper's easy-to-hard sets cut it at 800–1300 and 2000).

# %%
elo = pd.Series([p["elo"] for p in puzzles], name="elo")
elo.describe().round(0).to_frame().T

# %%
assert all(p["target"].startswith(" ") for p in examples)
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper's examples are Lichess puzzles rated 695 and 2253; at the paper preset ours are the Lichess
# puzzles nearest to those ratings, in the same format. At the smoke preset they are generated puzzles of
# the offline task, which look like chess but test copying, not chess skill.

# %%
pd.DataFrame(
    {
        "paper Elo": elos,
        "ours Elo": [p["elo"] for p in examples],
        "our answer": [p["target"] for p in examples],
        "paper answer": [" Qxc1+", " Qf5"][: len(elos)],
    }
)
