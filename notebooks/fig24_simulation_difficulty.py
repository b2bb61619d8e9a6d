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
# Logistic-regression probes on fixed features. A weak model M_k that sees only the first k features makes
# errors that a student M_k' with k' >= k features can reproduce exactly ("perfectly simulatable"); random
# label flips with the same accuracy cannot be reproduced; the mixed panel adds random noise to one
# simulatable supervisor. As the paper (App. E.1, pp. 42-43): the weak models train on one part (10k SciQ
# items there), label a disjoint part for the students (the other ~13k), every weak M_k supervises every
# student M_k' with k' >= k (one line per student), and both rows are measured on test items. Top: the
# students' test accuracy; bottom: their test agreement with the weak labeller (for the random labeller, the
# test labels flipped as often as the weak model errs on test).
#
# What the paper reports [P, p. 42]: simulatable errors give almost no improvement, with agreement above
# the weak accuracy; random errors let the student far exceed its supervisor; the mixed setting recovers
# roughly the simulatable model's performance. The paper used SciQ features of an intermediate GPT-4-family
# model; the paper preset uses gpt2-xl's (a substitution), the smoke preset scikit-learn's digits (real data
# shipped in its wheel, label = digit >= 5, 1,797 items, 64 features).

# %% tags=["parameters"]
features: str = "sklearn:digits"  # sklearn:digits, sklearn:breast_cancer, or MODEL:TASK (frozen model features)
n_items: int = 0  # items of the pool to use (0: all; MODEL:TASK: the task's training split)
n_weak: int = 700  # items the weak models train on (the paper: 10k)
n_student: int = 0  # items the weak models label for the students (0: the rest; the paper: ~13k)
n_test: int = 300  # test items: carved from the pool for sklearn, of the task's test split for MODEL:TASK (0: all)
ks: list = [4, 8, 16, 32]  # feature counts of the weak models (the paper: 10, 30, 100, 300, 1000)
student_ks: list = [4, 8, 16, 32, 64]  # feature counts of the students; each weak M_k supervises those with at least k
mixed_k: int = 16  # the weak model that the mixed panel adds noise to (the paper: 300)
noise: list = [0.1, 0.07, 0.05, 0.01, 0.0]  # extra label-flip fractions of the mixed panel
seed: int = 0  # data split and noise seed
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/features"  # where model features are cached
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.cache import results_dir
from w2s_lib.reference import paper_values, versus
from w2s_lib.simulation import simulation_data, simulation_experiment

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %%
X, y, test = simulation_data(features, seed=seed, n=n_items or None, n_test=n_test or None, cache_dir=cache_dir)
df = simulation_experiment(
    X,
    y,
    ks=tuple(ks),
    student_ks=tuple(student_ks),
    mixed_k=mixed_k,
    noise=tuple(noise),
    n_weak=n_weak,
    n_student=n_student or None,
    n_test=n_test or None,
    test=test,
    seed=seed,
)
splits = {part: len(idx) if idx is not None else len(test[1]) for part, idx in df.attrs["splits"].items()}
plotting.style()
fig, axes = plotting.plt.subplots(2, 3, figsize=(12, 6), sharey="row")
plotting.plot_simulation(df, axes=axes)
fig.suptitle(f"features: {features}; weak {splits['weak']}, students {splits['student']}, test {splits['test']} items")
paths = plotting.save_figure(fig, "fig24_simulation_difficulty", preset, df, out_dir)
print(splits)
df.round(3)

# %%
assert set(df["kind"]) == {"simulatable", "random", "mixed"}
assert (df["student_k"] >= df["k"]).all()
sim, rnd = df[df["kind"] == "simulatable"], df[df["kind"] == "random"]
assert (sim["weak_acc"].to_numpy() == rnd["weak_acc"].to_numpy()).all()  # matched accuracy
assert len(sim) == sum(s >= k for k in ks for s in student_ks)  # the whole grid
assert splits["weak"] == n_weak and (not n_student or splits["student"] == n_student)
assert all(p.exists() for p in paths.values())

# %% [markdown]
# ## Ours vs the paper
#
# The paper's weak accuracies are read off its tick labels [P-fig]; its claim is qualitative (claim 16,
# Fig. 24's part; Fig. 25's part is in `fig25_fig26_error_structures`). Ours: the students' gain in test
# accuracy over their weak labeller's, in points, averaged over the grid of (k, k'), for simulatable and
# random errors, and whether simulatable students agree with their labeller more often than it is right.

# %%
gain = df.assign(gain=100 * (df["student_acc"] - df["weak_test_acc"])).groupby("kind")["gain"].mean()
above = float((sim["agreement"] > sim["weak_test_acc"]).mean())
weak_by_k = sim.groupby("k")["weak_test_acc"].first() * 100
ticks = set(paper_values("fig24")["x"])
versus(
    [
        # claim_16: simulatable errors give about 0 gain
        dict(
            claim=16,
            quantity="student gain over simulatable weak labels (points, mean over the grid)",
            ours=gain["simulatable"],
            paper_says="simulatable errors give almost no improvement (agreement above the weak accuracy)",
            page=42,
            holds=bool(gain["simulatable"] <= 3),
        ),
        # claim_16: random errors of the same accuracy give a large gain
        dict(
            claim=16,
            quantity="student gain over random errors of the same accuracy (points)",
            ours=gain["random"],
            paper_says="with random errors the student far exceeds its supervisor",
            page=42,
            holds=bool(gain["random"] >= gain["simulatable"] + 5),
        ),
        # claim_16: students of simulatable labels agree with them more often than the labels are right
        dict(
            claim=16,
            quantity="simulatable (k, k') pairs with test agreement above the weak accuracy (%)",
            ours=100 * above,
            paper_says="agreement is above the weak model's accuracy",
            page=42,
            holds=bool(above == 1.0),
        ),
    ]
    + [
        dict(quantity=f"weak accuracy of M{k} (%)", ours=v, figure="fig24", series="weak", x=f"M{k}")
        for k, v in weak_by_k.items()
        if f"M{k}" in ticks
    ]
)
