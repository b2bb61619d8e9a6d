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
# # Figure 24: errors the student can simulate are errors it learns
#
# > **Figure 24** of Burns et al. (2023), p. 42: "Synthetic experiment on simulation difficulty."
#
# Logistic-regression probes on fixed features. A weak model that sees only the first k features makes
# errors that a student with all features can reproduce exactly ("perfectly simulatable"); random label
# flips with the same accuracy cannot be reproduced; the mixed panel adds random noise to one simulatable
# supervisor. Top: the student's test accuracy; bottom: its agreement with the labels it was trained on.
#
# What the paper reports [P, p. 42]: simulatable errors give almost no improvement, with agreement above
# the weak accuracy; random errors let the student far exceed its supervisor; the mixed setting recovers
# roughly the simulatable model's performance. The paper used SciQ features of an intermediate GPT-4-family
# model; the smoke preset uses scikit-learn's digits (real data shipped in its wheel, label = digit ≥ 5).

# %% tags=["parameters"]
features: str = "sklearn:digits"  # sklearn:digits, sklearn:breast_cancer, or MODEL:TASK (frozen model features)
n_items: int = 0  # items to use (0: all)
ks: list = [4, 8, 16, 32]  # feature counts of the weak models (the paper: 10, 30, 100, 300, 1000)
mixed_k: int = 16  # the weak model that the mixed panel adds noise to (the paper: 300)
noise: list = [0.1, 0.07, 0.05, 0.01, 0.0]  # extra label-flip fractions of the mixed panel
seed: int = 0  # data split and noise seed
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/features"  # where model features are cached
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.cache import results_dir
from w2s_lib.simulation import load_features, simulation_experiment

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
X, y = load_features(features, seed=seed, n=n_items or None, cache_dir=cache_dir)
df = simulation_experiment(X, y, ks=tuple(ks), mixed_k=mixed_k, noise=tuple(noise), seed=seed)
plotting.style()
fig, axes = plotting.plt.subplots(2, 3, figsize=(12, 6), sharey="row")
plotting.plot_simulation(df, axes=axes)
fig.suptitle(f"features: {features}")
paths = plotting.save_figure(fig, "fig24_simulation_difficulty", preset, df, out_dir)
df.round(3)

# %%
assert set(df["kind"]) == {"simulatable", "random", "mixed"}
sim, rnd = df[df["kind"] == "simulatable"], df[df["kind"] == "random"]
assert (sim["weak_acc"].to_numpy() == rnd["weak_acc"].to_numpy()).all()  # matched accuracy
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper's weak accuracies are read off its tick labels [P-fig]; its claim is qualitative. Ours: the
# student's gain over its labels' accuracy, for simulatable and random errors, averaged over the ks.

# %%
gain = df.assign(gain=100 * (df["student_acc"] - df["weak_acc"])).groupby("kind")[["gain", "agreement"]].mean().round(3)
gain
