"""Reward modelling: comparison items, the pairwise reward model and its loss, splitting by prompt."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from w2s_lib.core.losses import get_loss
from w2s_lib.data import TASKS, load_items, split_halves
from w2s_lib.data.preferences import comparison, split_hh
from w2s_lib.models.classifier import build_classifier, load_classifier, save_classifier
from w2s_lib.models.loading import tiny_config
from w2s_lib.models.tokenizers import tiny_tokenizer
from w2s_lib.nlp.train import collate, predict, tokenize


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def reward_model(seed=0):
    torch.manual_seed(seed)
    model = build_classifier(tiny_config("tiny-1"), pairwise=True)
    with torch.no_grad():  # a random head, so that rewards differ between texts
        model.head.weight.normal_()
        model.head.bias.fill_(0.3)
    return model.eval()


def reward(model, tok, text, max_len=64):
    """r(text) from the head on the text alone: no batch, no padding, no pair."""
    ids = torch.tensor([tokenize(tok, [text], max_len)[0]])
    with torch.no_grad():
        return float(model.head(model.pooled(ids, torch.ones_like(ids)))[0, 0])


# ---------------------------------------------------------------------------------------------
# The comparison probability and the loss, by hand


def test_pairwise_loss_hand_computed():
    """Rewards r1 = 0.5, r2 = 1.5: P(2 preferred) = sigmoid(1) = 0.731059; against a soft label 0.8 the
    cross-entropy is -(0.8 ln 0.731059 + 0.2 ln 0.268941) = 0.513262."""
    logits = torch.tensor([[0.5, 1.5]])
    assert torch.softmax(logits, -1)[0, 1].item() == pytest.approx(1 / (1 + math.exp(-1)), abs=1e-6)
    loss = get_loss("xent")(logits, torch.tensor([[0.2, 0.8]]))
    assert loss.item() == pytest.approx(0.513262, abs=1e-6)


def test_reward_model_gives_sigmoid_of_reward_difference(tok):
    model = reward_model()
    pairs = [
        ("Human: hi\n\nAssistant: It was great.", "Human: hi\n\nAssistant: It was not great at all."),
        ("Human: How was the room?\n\nAssistant: dull", "Human: How was the room?\n\nAssistant: fun"),
    ]
    p = predict(model, tok, pairs, max_len=64)
    for (a, b), row in zip(pairs, p):
        delta = reward(model, tok, b) - reward(model, tok, a)
        assert row[1] == pytest.approx(1 / (1 + math.exp(-delta)), abs=1e-5)  # padding and pairing change nothing
    swapped = predict(model, tok, [(b, a) for a, b in pairs], max_len=64)
    assert np.allclose(swapped[:, 1], p[:, 0], atol=1e-6)


def test_collate_puts_each_pair_on_consecutive_rows():
    ids, mask = collate([([5, 6, 7], [8]), ([9], [10, 11])], pad_id=0, device="cpu")
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 0, 0], [10, 11, 0]]
    assert mask.sum(1).tolist() == [3, 1, 1, 2]


def test_reward_model_trains_on_soft_comparison_labels(tok):
    """One step of the training loop moves P(preferred) toward the soft labels."""
    from w2s_lib.nlp.train import TrainConfig, train_classifier

    model = reward_model()
    pairs = [("Human: x\n\nAssistant: good", "Human: x\n\nAssistant: bad")] * 8
    soft = np.full(8, 0.1, np.float32)  # the first completion is preferred with probability 0.9
    before = predict(model, tok, pairs[:1], max_len=32)[0, 1]
    cfg = TrainConfig(lr=1e-2, epochs=4, batch_size=8, minibatch_size=4, select="last", max_len=32)
    train_classifier(model, tok, pairs, soft, cfg, progress=False)
    after = predict(model, tok, pairs[:1], max_len=32)[0, 1]
    assert abs(after - 0.1) < abs(before - 0.1)


def test_pairwise_checkpoint_round_trip(tok, tmp_path):
    model = reward_model()
    pairs = [("Human: a\n\nAssistant: b", "Human: a\n\nAssistant: c")]
    save_classifier(model, tmp_path / "rm", tok)
    again = load_classifier(tmp_path / "rm")
    assert again.pairwise and again.head.out_features == 1
    assert np.allclose(predict(model, tok, pairs, 32), predict(again, tok, pairs, 32), atol=1e-6)


def test_pairwise_head_has_one_logit():
    model = build_classifier(tiny_config("tiny-1"), pairwise=True)
    assert model.head.out_features == 1 and model.num_labels == 2
    with pytest.raises(ValueError, match="num_labels must be 2"):
        build_classifier(tiny_config("tiny-1"), pairwise=True, num_labels=3)


# ---------------------------------------------------------------------------------------------
# Comparison data


def test_split_hh_takes_the_shared_conversation_as_prompt():
    conv = "\n\nHuman: Can you help?\n\nAssistant: Sure.\n\nHuman: How do I boil an egg?\n\nAssistant:"
    assert split_hh(conv + " Put it in water.", conv + " No.") == (conv, " Put it in water.", " No.")
    assert split_hh(conv + " Same.", conv + " Same.") is None
    assert split_hh("\n\nHuman: a\n\nAssistant: b", "\n\nHuman: other\n\nAssistant: b") is None
    assert split_hh("no turns here", "none") is None


def test_comparison_order_is_random_and_label_follows_it():
    rng = random.Random(0)
    items = [comparison("P:", " yes", " no", "g", rng) for _ in range(200)]
    for it in items:
        preferred = it["txt"][it["hard_label"]]
        assert preferred == "P: yes"
    assert 70 < sum(it["hard_label"] for it in items) < 130


def test_preference_tasks_are_registered_pairwise():
    assert {"hh_rlhf_helpful", "hh_rlhf_harmless", "synth_prefs"} <= {n for n, s in TASKS.items() if s.pairwise}
    assert TASKS["hh_rlhf_helpful"].data_dir == "helpful-base"


def test_synthetic_preferences_split_by_prompt():
    items = load_items("synth_prefs", "train", 600, seed=0)
    assert all(isinstance(it["txt"], tuple) and len(it["txt"]) == 2 for it in items)
    assert 0.4 < np.mean([it["hard_label"] for it in items]) < 0.6
    a, b = split_halves(items, seed=0)
    prompts_a, prompts_b = {it["prompt"] for it in a}, {it["prompt"] for it in b}
    assert not prompts_a & prompts_b
    assert len(prompts_a) > 10 and len(prompts_b) > 10  # many prompts, several comparisons each
    assert len(items) > len(prompts_a | prompts_b)


def test_protocol_splits_comparisons_by_prompt():
    from w2s_lib.nlp.protocol import DataConfig, prepare_data

    data = prepare_data(DataConfig("synth_prefs", n_train=400, n_test=100, seed=0))
    parts = [data.A_train + data.A_val, data.B_train + data.B_val, data.test]
    prompts = [{it["prompt"] for it in p} for p in parts]
    assert not (prompts[0] & prompts[1]) and not (prompts[0] & prompts[2]) and not (prompts[1] & prompts[2])


def test_length_based_weak_errors_are_refused_for_comparisons():
    from w2s_lib.nlp.protocol import DataConfig, RunConfig

    weak = RunConfig(DataConfig("synth_prefs"), "tiny-1")
    with pytest.raises(ValueError, match="comparison tasks have two texts"):
        RunConfig(DataConfig("synth_prefs"), "tiny-3", labels="weak", half="B", weak=weak, weak_errors="longest")


def test_hh_rows_become_comparisons_grouped_by_conversation():
    rows = []
    for k in range(20):  # 20 conversations, two comparisons each, and one pair that shares no conversation
        conv = f"\n\nHuman: Question {k}?\n\nAssistant:"
        rows += [
            {"chosen": conv + " Good answer.", "rejected": conv + " Bad."},
            {"chosen": conv + " Also good.", "rejected": conv + " Worse."},
        ]
    rows.append({"chosen": "\n\nHuman: A\n\nAssistant: ok", "rejected": "\n\nHuman: B\n\nAssistant: no"})
    items = TASKS["hh_rlhf_helpful"].to_binary(rows, random.Random(0))
    chosen = {r["chosen"] for r in rows}
    assert len(items) >= 20 and all(it["txt"][it["hard_label"]] in chosen for it in items)
    by_prompt = {}
    for it in items:
        by_prompt.setdefault(it["prompt"], set()).add(it["group"])
    assert all(len(g) == 1 for g in by_prompt.values()) and len({next(iter(g)) for g in by_prompt.values()}) == len(
        by_prompt
    )


def test_cli_rm_smoke_sweep_with_generative_finetuning(tmp_path, capsys):
    from w2s_lib.cli.main import main

    args = [
        "sweep",
        "--preset",
        "rm-smoke",
        "--out",
        str(tmp_path),
        "--models",
        "tiny-1,tiny-2",
        "--n-train",
        "120",
        "--n-test",
        "40",
        "--epochs",
        "1",
        "--genft-epochs",
        "1",
        "--quiet",
    ]
    assert main(args) == 0
    names = sorted(p.name for p in (tmp_path / "synth_prefs").iterdir())
    assert [n.split("_")[0] for n in names] == ["ceiling", "genft", "w2s", "weak"]
    assert "genft1" in names[0] and "genft1" in names[2] and "genft" not in names[3]


def test_weak_labels_are_the_supervisors_sigmoid_of_reward_difference(tmp_path, tok):
    """The soft labels a supervisor writes for half B are sigma(r(c2) - r(c1)) of its own reward model."""
    import pandas as pd

    from w2s_lib.nlp.protocol import WEAK_LABELS_FILE, DataConfig, RunConfig, prepare_data, run_dir, run_or_load
    from w2s_lib.nlp.train import TrainConfig

    cfg = RunConfig(
        DataConfig("synth_prefs", n_train=120, n_test=40, seed=0),
        "tiny-1",
        train=TrainConfig(lr=1e-3, epochs=1, batch_size=16, minibatch_size=16, max_len=32, select="last"),
    )
    run_or_load(cfg, tmp_path, checkpoint=True, progress=False)
    model = load_classifier(run_dir(cfg, tmp_path) / "checkpoint").eval()
    labels = pd.read_parquet(run_dir(cfg, tmp_path) / WEAK_LABELS_FILE).set_index("id")["p1"]
    data = prepare_data(cfg.data)
    for it in (data.B_train + data.B_val)[:5]:
        delta = reward(model, tok, it["txt"][1], 32) - reward(model, tok, it["txt"][0], 32)  # the run's max_len
        assert labels[it["id"]] == pytest.approx(1 / (1 + math.exp(-delta)), abs=1e-5)


# ---------------------------------------------------------------------------------------------
# All of a split, and an n larger than the split (the paper preset reads whole hh-rlhf subsets)


@pytest.fixture
def hh_hub(tmp_path, monkeypatch):
    """Anthropic/hh-rlhf rebuilt on disk in its real layout (tests/support/hub_layouts.py: 12 rows per split)."""
    from tests.support.hub_layouts import MAIN, REPOS, branch_folder, route_hub

    hub_id = TASKS["hh_rlhf_helpful"].hub_id
    REPOS[(hub_id, MAIN)](branch_folder(tmp_path, hub_id, None))
    return route_hub(monkeypatch, tmp_path)


def test_n_zero_takes_every_comparison_of_the_split(hh_hub):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # all of a split is no shortfall
        items = load_items("hh_rlhf_helpful", "train", 0, seed=0)
    assert len(items) >= 8 and all("helpful-base train" in it["prompt"] for it in items)
    assert load_items("hh_rlhf_helpful", "train", None, seed=0) == items
    with pytest.warns(UserWarning, match=f"the split gives {len(items)}"):  # asking for more finds no more
        assert load_items("hh_rlhf_helpful", "train", 10_000, seed=0) == items
    with pytest.raises(ValueError, match="generated and has no fixed size"):
        load_items("synth_prefs", "train", 0, seed=0)


def test_asking_more_than_the_split_holds_gives_the_whole_split_with_a_warning(hh_hub):
    from w2s_lib.nlp.protocol import DataConfig, prepare_data

    whole = load_items("hh_rlhf_harmless", "test", 0, seed=0)
    with pytest.warns(UserWarning, match=rf"asked for 4000 items, the split gives {len(whole)}"):
        capped = load_items("hh_rlhf_harmless", "test", 4000, seed=0)
    assert capped == whole and len({it["txt"] for it in capped}) == len(capped)  # no duplicates
    with pytest.warns(UserWarning, match="asked for 4000"):
        data = prepare_data(DataConfig("hh_rlhf_harmless", n_train=0, n_test=4000, seed=0))
    assert [it["txt"] for it in data.test] == [it["txt"] for it in whole]
    train = data.A_train + data.A_val + data.B_train + data.B_val
    assert sorted(it["txt"] for it in train) == sorted(
        it["txt"] for it in load_items("hh_rlhf_harmless", "train", 0, 0)
    )


# ---------------------------------------------------------------------------------------------
# The reward head starts from one token's unembedding (paper App. A.3; head_init="unembed01")


def test_unembed01_reward_head_is_the_next_token_logit_of_1(tok, tmp_path):
    """A GPT-2 reward model with head_init="unembed01" starts as the language model's logit for the token
    "1" after the text (the paper: "an arbitrary token"), also when it is built from a saved (generatively
    finetuned) language model's folder, as ``genft`` runs are."""
    from transformers import AutoModelForCausalLM

    (one,) = tok.encode("1", add_special_tokens=False)
    torch.manual_seed(3)
    lm = AutoModelForCausalLM.from_config(tiny_config("tiny-1")).eval()
    lm.save_pretrained(tmp_path / "lm")
    text = "Human: How was the room?\n\nAssistant: It was not dull."
    ids = torch.tensor([tokenize(tok, [text], 64)[0]])
    with torch.no_grad():
        want = float(lm(ids).logits[0, -1, one])
    torch.manual_seed(3)
    from_config = build_classifier(tiny_config("tiny-1"), pairwise=True, head_init="unembed01", tokenizer=tok)
    from_folder = build_classifier(str(tmp_path / "lm"), pairwise=True, head_init="unembed01", tokenizer=tok)
    for model in (from_config.eval(), from_folder.eval()):
        assert model.head.out_features == 1
        torch.testing.assert_close(model.head.weight[0], lm.get_output_embeddings().weight[one], atol=0, rtol=0)
        assert reward(model, tok, text) == pytest.approx(want, abs=1e-5)


# ---------------------------------------------------------------------------------------------
# The paper preset of the reward-modelling notebooks (paper App. A.3, p. 34)

RM_NOTEBOOKS = (
    "fig03_rm_naive_scaling",
    "fig07_fig16_rm_overfitting_agreement",
    "fig10_fig17_fig18_generative_finetuning",
)


PARAMS = Path(__file__).resolve().parents[2] / "params"


def _paper_preset(name):
    import yaml

    return yaml.safe_load((PARAMS / "paper" / f"{name}.yaml").read_text(encoding="utf-8"))


def test_rm_paper_presets_train_on_every_comparison_at_batch_220():
    """1 epoch, batch 220 over all of each subset's training comparisons: about 0.45 x 43.8k / 220 = 90
    optimizer steps per run (20,000 comparisons gave 0.45 x 20,000 / 220 = 41); the three notebooks share
    every setting (and so their runs), generative finetuning aside."""
    from w2s_lib.data.preferences import HH_SPLIT_ROWS
    from w2s_lib.nlp.lr_sweep import notebook_settings
    from w2s_lib.nlp.sweep import plan_sweep

    presets = [_paper_preset(n) for n in RM_NOTEBOOKS]
    assert all({k: v for k, v in p.items() if k != "genft_epochs"} == presets[0] for p in presets[1:])
    p = presets[0]
    data, every, per_model = notebook_settings(p)
    plan = plan_sweep(p["tasks"], p["models"], ["xent"], p["seeds"], data=data, every=every, per_model=per_model)
    for run in plan.runs:
        tc, rows = run.train, HH_SPLIT_ROWS[TASKS[run.data.task].data_dir]["train"]
        n_items = run.data.n_train or rows  # 0: the whole split
        steps = math.ceil(tc.epochs * n_items * 0.5 * (1 - run.data.val_frac) / tc.batch_size)
        assert (tc.epochs, tc.batch_size, tc.select) == (1.0, 220, "last")
        assert steps >= 85, f"{run.data.task}: {steps} steps"
        assert run.data.n_test == 0  # the whole test split
        assert run.head_init == "unembed01" and tc.lr == p["lr"][run.model]
        assert len(tc.eval_steps(steps)) >= 20 and tc.eval_batch_size == 256  # curves for Figs. 7, 16, 17


def test_rm_paper_learning_rates_are_a_marked_placeholder():
    """Until the lr sweep has run, the paper preset's rates are the batch-32 preset rates scaled by
    sqrt(220 / 32), and the file says so (and how to measure them)."""
    from w2s_lib.models.presets import default_lr

    for name in RM_NOTEBOOKS:
        p = _paper_preset(name)
        assert p["lr"] == {m: float(f"{default_lr(m) * math.sqrt(220 / 32):.2g}") for m in p["models"]}
        text = (PARAMS / "paper" / f"{name}.yaml").read_text(encoding="utf-8")
        assert "NOT YET MEASURED" in text and "python -m w2s_lib.nlp.lr_sweep" in text
