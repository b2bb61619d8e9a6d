"""Training settings the paper states, as the sweep planner applies them (issue 16, items 5-8):
alpha_max 0.75 for the largest students, the confidence loss's balanced-task prior, the "0"/"1" head, and
the paper presets' evaluation schedule. Planning loads no model, so these tests are fast."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from w2s_lib.core import cache
from w2s_lib.data import TASKS
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp import sweep
from w2s_lib.nlp.sweep import plan_bootstrap, plan_sweep

GPT2 = ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"]
ROOT = Path(__file__).resolve().parents[2]


def logconf_kw(plan) -> dict[tuple[str, str], dict]:
    """(weak, strong) -> the logconf runs' loss_kw, checking it is one setting per pair."""
    out = {}
    for run in plan.w2s:
        if run.train.loss == "logconf":
            kw = dict(run.train.loss_kw)
            assert out.setdefault((run.weak.model, run.model), kw) == kw
    return out


def test_the_largest_student_of_gpt2_to_gpt2_xl_gets_alpha_max_075():
    plan = plan_sweep(["sciq"], GPT2, ["xent", "logconf"], [0, 1])
    kw = logconf_kw(plan)
    assert len(kw) == 6  # every pair of the four
    for (weak, strong), settings in kw.items():
        assert settings["alpha_max"] == (0.75 if strong == "gpt2-xl" else 0.5), (weak, strong)
    # only logconf students carry it; the naive ones keep their (and their cache keys') empty loss_kw
    assert all(r.train.loss_kw == () for r in plan.w2s if r.train.loss == "xent")
    # it is recorded in config.json (which the cache key hashes)
    xl = next(r for r in plan.w2s if r.model == "gpt2-xl" and r.train.loss == "logconf")
    assert ["alpha_max", 0.75] in [list(kv) for kv in cache.config_dict(xl)["train"]["loss_kw"]]
    assert cache.config_hash(xl) != cache.config_hash(
        dataclasses.replace(xl, train=dataclasses.replace(xl.train, loss_kw=()))
    )


def test_largest_is_by_size_not_by_list_order_and_follows_the_sweep():
    plan = plan_sweep(["sciq"], ["gpt2-large", "gpt2", "gpt2-medium"], ["logconf"], [0])
    assert {s: kw["alpha_max"] for (_, s), kw in logconf_kw(plan).items()} == {"gpt2-medium": 0.5, "gpt2-large": 0.75}
    # given pairs: the largest student among them
    plan = plan_sweep(["sciq"], GPT2, ["logconf"], [0], pairs=[("gpt2", "gpt2-medium"), ("gpt2", "gpt2-large")])
    assert {s: kw["alpha_max"] for (_, s), kw in logconf_kw(plan).items()} == {"gpt2-medium": 0.5, "gpt2-large": 0.75}


def test_explicit_alpha_max_wins():
    # loss_kw's alpha_max applies to every student (the CLI's --alpha-max)
    plan = plan_sweep(["sciq"], GPT2, ["logconf"], [0], loss_kw={"logconf": {"alpha_max": 0.6}})
    assert {kw["alpha_max"] for kw in logconf_kw(plan).values()} == {0.6}
    # a model's own ModelSettings.alpha_max overrides the default (and loss_kw) for that model
    per_model = {"gpt2-large": ModelSettings(alpha_max=0.75), "gpt2-xl": ModelSettings(alpha_max=0.9)}
    plan = plan_sweep(["sciq"], GPT2, ["logconf"], [0], per_model=per_model)
    got = {s: kw["alpha_max"] for (_, s), kw in logconf_kw(plan).items()}
    assert got == {"gpt2-medium": 0.5, "gpt2-large": 0.75, "gpt2-xl": 0.9}
    plan = plan_sweep(
        ["sciq"],
        GPT2,
        ["logconf"],
        [0],
        per_model={"gpt2-medium": ModelSettings(alpha_max=0.2)},
        loss_kw={"logconf": {"alpha_max": 0.6}},
    )
    got = {s: kw["alpha_max"] for (_, s), kw in logconf_kw(plan).items()}
    assert got == {"gpt2-medium": 0.2, "gpt2-large": 0.6, "gpt2-xl": 0.6}
    # one number for all: every's, which a model's own still overrides
    plan = plan_sweep(["sciq"], GPT2, ["logconf"], [0], every=ModelSettings(alpha_max=0.5))
    assert {kw["alpha_max"] for kw in logconf_kw(plan).values()} == {0.5}
    every, own = ModelSettings(alpha_max=0.4), {"gpt2-xl": ModelSettings(alpha_max=0.9)}
    plan = plan_sweep(["sciq"], GPT2, ["logconf"], [0], every=every, per_model=own)
    assert {s: kw["alpha_max"] for (_, s), kw in logconf_kw(plan).items()} == {
        "gpt2-medium": 0.4,
        "gpt2-large": 0.4,
        "gpt2-xl": 0.9,
    }


def test_bootstrap_chains_give_075_to_the_largest_model_of_all_chains():
    chains = [["gpt2", "gpt2-medium", "gpt2-large"], ["gpt2", "gpt2-medium", "gpt2-xl"]]
    plan = plan_bootstrap(["sciq"], chains, ["logconf"], [0], naive=True)
    alphas = {}
    for run in plan.w2s:
        alphas.setdefault(run.model, set()).add(dict(run.train.loss_kw)["alpha_max"])
    # every step and naive run of a model has one alpha: gpt2-large is a chain's end but not the largest
    assert alphas == {"gpt2-medium": {0.5}, "gpt2-large": {0.5}, "gpt2-xl": {0.75}}
    one = plan_bootstrap(["sciq"], ["gpt2", "gpt2-medium", "gpt2-large"], ["logconf"], [0])
    assert sorted(dict(r.train.loss_kw)["alpha_max"] for r in one.w2s) == [0.5, 0.75]
    over = plan_bootstrap(
        ["sciq"], chains[0], ["logconf"], [0], per_model={"gpt2-medium": ModelSettings(alpha_max=0.3)}
    )
    assert sorted(dict(r.train.loss_kw)["alpha_max"] for r in over.w2s) == [0.3, 0.75]


def test_balanced_tasks_get_the_half_prior_and_others_the_weak_one(monkeypatch):
    # every registered task is balanced binary data (its formatter obeys the 55% rule)
    assert all(spec.balanced for spec in TASKS.values())
    plan = plan_sweep(["sciq", "synth_sentiment"], ["gpt2", "gpt2-medium"], ["logconf", "xent"], [0])
    assert {dict(r.train.loss_kw).get("prior") for r in plan.w2s if r.train.loss == "logconf"} == {"half"}
    # a task registered as unbalanced takes the weak labels' prior (paper fn. 7)
    monkeypatch.setitem(TASKS, "sciq", dataclasses.replace(TASKS["sciq"], balanced=False))
    plan = plan_sweep(["sciq", "synth_sentiment"], ["gpt2", "gpt2-medium"], ["logconf"], [0])
    assert {r.data.task: dict(r.train.loss_kw)["prior"] for r in plan.w2s} == {
        "sciq": "weak",
        "synth_sentiment": "half",
    }
    # an explicit prior wins
    plan = plan_sweep(
        ["synth_sentiment"], ["gpt2", "gpt2-medium"], ["logconf"], [0], loss_kw={"logconf": {"prior": "weak"}}
    )
    assert dict(plan.w2s[0].train.loss_kw) == {"alpha_max": 0.75, "prior": "weak"}
    assert sweep.logconf_prior("not_a_task") == "weak"


def test_logconf_settings_reach_the_loss():
    from w2s_lib.core.losses import get_loss

    run = plan_sweep(["sciq"], GPT2, ["logconf"], [0]).w2s[-1]
    loss = get_loss(run.train.loss, **dict(run.train.loss_kw))
    assert (loss.alpha_max, loss.prior) == (0.75, "half")


def test_head_init_and_train_settings_reach_every_run(monkeypatch, tmp_path):
    kw = dict(min_evals=20, evals_per_epoch=10, eval_batch_size=256)
    plan = plan_sweep(["sciq"], GPT2[:2], ["logconf"], [0], every=ModelSettings(head_init="unembed01", train=kw))
    assert {r.head_init for r in plan.runs} == {"unembed01"}
    assert {(r.train.min_evals, r.train.evals_per_epoch, r.train.eval_batch_size) for r in plan.runs} == {
        (20, 10.0, 256)
    }
    # the notebooks' call, their spec's run, passes them on
    from w2s_lib.nlp import spec as nlp_spec

    seen = []
    monkeypatch.setattr(nlp_spec, "run_plan", lambda plan, root, progress=None: seen.append(plan))
    params = dict(tasks=["sciq"], models=GPT2[:2], losses=["logconf"], n_train=100, n_test=10, epochs=2.0)
    nlp_spec.SweepSpec.from_params({**params, "head_init": "unembed01", "train_kw": kw}).run(tmp_path)
    (got,) = seen
    assert {r.head_init for r in got.runs} == {"unembed01"}
    assert {(r.train.epochs, r.train.min_evals, r.train.eval_batch_size) for r in got.runs} == {(2.0, 20, 256)}


MY_NOTEBOOKS = [
    "fig02_headline_bars",
    "fig03_naive_scaling",
    "fig05_confidence_loss",
    "fig06_fig12_per_dataset",
    "fig08_agreement",
    "fig09_prompting",  # its finetuning baselines are fig05's runs (tests/cli/test_plan.py)
    "fig27_label_in_prompt",
    "example_protocol",
]


@pytest.mark.parametrize("name", MY_NOTEBOOKS)
def test_paper_presets_use_the_papers_head_and_evaluation_schedule(name):
    paper = yaml.safe_load((ROOT / "params" / "paper" / f"{name}.yaml").read_text())
    smoke = yaml.safe_load((ROOT / "params" / "smoke" / f"{name}.yaml").read_text())
    assert paper["head_init"] == "unembed01"  # paper §A.1: the head starts from the "0" and "1" unembeddings
    assert paper["train_kw"] == {"min_evals": 20, "evals_per_epoch": 10, "eval_batch_size": 256}
    assert {"head_init", "train_kw"} <= set(smoke)
    # and the settings are valid ones
    from w2s_lib.models.presets import HEAD_INITS
    from w2s_lib.nlp.train import TrainConfig

    assert smoke["head_init"] in HEAD_INITS
    TrainConfig(**paper["train_kw"]), TrainConfig(**smoke["train_kw"])


# ---------------------------------------------------------------------------- issue 27, items 2 and 3
# (self-contained: only the module's yaml, pytest and ROOT; chess imports inside the test)


def test_paper_easy_to_hard_chess_trains_25k_puzzles_for_elo_800_and_50k_for_the_others():
    """App. C.1: 50k puzzles per training set, except 25k for Elo <= 800 (planned without loading data)."""
    from w2s_lib.chess.spec import ChessSpec

    params = yaml.safe_load((ROOT / "params" / "paper" / "fig19_fig20_chess_easy_to_hard.yaml").read_text())
    trained = [c for c in ChessSpec.from_params(params).configs() if c.labels != "none"]
    easy = {(c.model, c.elo_max): c.train_size for c in trained if c.role == "easy"}
    assert {cutoff for _, cutoff in easy} == {800, 900, 1000, 1100, 1200, 1300}
    assert easy == {key: 25_000 if key[1] == 800 else 50_000 for key in easy}
    assert {c.train_size for c in trained if c.role != "easy"} == {50_000}  # "all" and the hard set


REFERENCE_MAX_LEN = 1024  # the reference code's max_ctx (docs/reference_differences.md §7); the paper states none


@pytest.mark.parametrize("preset", sorted((ROOT / "params" / "paper").glob("*.yaml")), ids=lambda p: p.stem)
def test_paper_presets_take_the_reference_max_len_or_the_docs_say_why(preset):
    """A paper preset that trains on fewer tokens than the reference code must be named in the max_len row of
    docs/paper_settings.md, so that the list of substitutes cannot go stale."""
    max_len = yaml.safe_load(preset.read_text()).get("max_len")
    if max_len is None or max_len == REFERENCE_MAX_LEN:
        return
    rows = [
        line for line in (ROOT / "docs" / "paper_settings.md").read_text().splitlines() if line.startswith("| max_len")
    ]
    assert len(rows) == 1, "docs/paper_settings.md has no (or several) max_len rows"
    assert f"`{preset.stem}`" in rows[0], (
        f"{preset.name}: max_len {max_len}, not in docs/paper_settings.md's max_len row"
    )
