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
# # Table 3: AlexNet supervising linear probes on DINO features (ImageNet)
#
# > **Table 3** of Burns et al. (2023), p. 40: "Weak-to-strong generalization on ImageNet. We train linear
# > probes on the representations extracted by DINO models with weak supervision from an AlexNet model."
#
# The paper's only setting with open models end to end. The supervisor is AlexNet's pretrained ImageNet
# classifier; its softmax on 40,000 ImageNet validation images are the weak labels. The students are
# linear probes on frozen DINO ResNet-50 and ViT-B/8 features (self-supervised: they never saw a label),
# trained with Adam (lr 1e-3, batch 128, cosine schedule) for 20 and 5 epochs. The other 10,000 images test.
# The ceilings are the same probes trained on ground truth.
#
# The paper [P]: AlexNet 56.6; DINO ResNet-50 63.7, ViT-B/8 74.9; AlexNet → ResNet-50 60.7 (PGR 57.8),
# AlexNet → ViT-B/8 64.2 (PGR 41.5). The reference code's README re-ran it [C]: 64.5, 74.0, 61.9, 66.6.
#
# At the `smoke` preset the images are `FakeData` (random pixels, random labels) and every model has random
# weights: the numbers sit at chance and only show that the pipeline runs. The `paper` preset needs a GPU,
# the ImageNet validation set (`source: imagenet:ROOT`, torchvision's layout) and downloads the weights
# through torchvision's and torch.hub's caches.

# %% tags=["parameters"]
source: str = "fake:384"  # imagenet:ROOT (the paper), folder:PATH (any ImageFolder), or fake:N (offline)
weak: str = "alexnet"  # the supervisor: a torchvision (alexnet, tv:NAME) or timm:NAME classifier
strongs: list = ["tv:resnet18", "tv:resnet50"]  # frozen backbones for the probes (paper: dino_resnet50, dino_vitb8)
paper_rows: list = ["dino_resnet50", "dino_vitb8"]  # the paper's row each student is compared with
losses: list = ["xent", "logconf"]  # losses of the weak-to-strong probes (the paper's Table 3: xent)
epochs: dict = {}  # probe epochs per student; missing ones: 20 (dino_vitb8: 5, as in the paper)
pretrained: bool = False  # True: the models' published weights (downloads); False: random, offline
n_train: int = 256  # images that train the probes (paper: 40,000)
n_test: int = 128  # images that test (paper: 10,000)
image_size: int = 64  # center crop in pixels (paper: 224)
num_classes: int = 10  # classes of random-init heads and of fake sources (ImageNet: 1000)
seeds: list = [0]  # seeds of the split and the probes
batch_size: int = 64  # images per forward pass while extracting features
preset: str = "smoke"  # stamped on every output: smoke or paper
cache_dir: str = "../results/vision"  # features and runs
out_dir: str = "../figures"  # where figures and their numbers go

# %%
from w2s_lib import plotting
from w2s_lib.core.cache import results_dir
from w2s_lib.specs import notebook_spec
from w2s_lib.vision import protocol

cache_dir = str(results_dir(cache_dir))  # $W2S_RESULTS, when set, holds the cache (the test suites set it)


# %% [markdown]
# Every run: the supervisor's evaluation, then per student a ground-truth ceiling and one weak-to-strong
# probe per loss. The frozen models' outputs are computed once, in one pass over the images, and cached
# (`cache_dir/features`); a second execution only reads them.

# %%
# the parameters above as one checked spec (w2s_lib/vision/spec.py): what it trains is what `w2s plan` lists
spec = notebook_spec("table03_imagenet", globals())
df = spec.run(cache_dir)
table = protocol.table3(df)
table.round(1)

# %% [markdown]
# ## What it costs
#
# Seconds per run on this machine (the supervisor trains nothing). Feature extraction is the one-off cost
# (`benchmarks/bench_vision.py` measures it); probes then train in seconds to minutes.

# %%
df[["role", "model", "loss", "seconds"]].round(2)

# %% [markdown]
# ## Ours vs the paper
#
# Top-1 and PGR in percent, beside Table 3 [P] and the reference code's re-run [C]. Only the cross-entropy
# students have a paper value: Table 3 has no confidence loss. Smoke numbers are chance-level plumbing.
#
# Claim 14's rows (the last table) hold when our top-1 is within 2 points of Table 3's and our PGR within
# 10 points. They are decided at every preset and printed with it (the one policy, `w2s_lib/claims.yaml`):
# only the paper's data and published weights (`source: imagenet:...`, `pretrained: true`) can meet Table 3's
# numbers, so at the smoke preset (generated images, random weights) "does not hold" is the expected verdict.

# %%
compared = protocol.beside_paper(table, dict(zip(strongs, paper_rows)))
plotting.style()
fig, axes = plotting.plt.subplots(1, len(strongs), figsize=(3.6 * len(strongs), 3.8), squeeze=False)
bar_data = {}
for ax, strong, row in zip(axes[0], strongs, paper_rows):
    ours, paper = protocol.bars(table, strong, row)
    plotting.plot_bars(ours, ax=ax, reference=paper, ylim=(0, 100))
    ax.set_title(f"{weak} → {strong}", fontsize="small")
    bar_data[strong] = {"ours": ours, "paper": paper}
for ax in axes[0][1:]:
    ax.set_ylabel("")
fig.tight_layout()
paths = plotting.save_figure(fig, "table03_imagenet", preset, {"table": compared, "bars": bar_data}, out_dir)

# %%
assert len(df) == len(spec.configs()) and compared["top1"].between(0, 100).all(), compared
assert compared["paper"].notna().sum() == 1 + 2 * min(len(strongs), 2)
assert all(p.exists() for p in paths.values())

# %%
compared[["model", "role", "loss", "top1", "paper", "reference re-run", "pgr", "paper pgr"]].round(1)

# %%
from w2s_lib.reference import versus

paper_x = {**dict(zip(strongs, paper_rows)), weak: "alexnet"}
ours = compared[compared["loss"] != "logconf"].rename(columns={"paper pgr": "paper_pgr"})
ours = ours.assign(x=ours["model"].map(paper_x)).dropna(subset=["x"])
versus(
    [
        # claim_14: Table 3's top-1 accuracies (AlexNet 56.6; DINO ceilings 63.7, 74.9; students 60.7, 64.2)
        dict(
            claim=14,
            quantity=f"{r.role} {r.model}, top-1 (%)",
            ours=r.top1,
            figure="table03",
            series=r.role,
            x=r.x,
            metric="accuracy",
            holds=bool(abs(r.top1 - r.paper) <= 2),
        )
        for r in ours.itertuples()
    ]
    + [
        # claim_14: Table 3's PGRs (57.8 and 41.5)
        dict(
            claim=14,
            quantity=f"PGR {weak} → {r.model} (%)",
            ours=r.pgr,
            figure="table03",
            series="w2s",
            x=r.x,
            metric="pgr",
            holds=bool(abs(r.pgr - r.paper_pgr) <= 10),
        )
        for r in ours[ours["role"] == "w2s"].itertuples()
    ],
    preset=preset,
)
