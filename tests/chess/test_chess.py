"""Chess puzzles: transcripts, the offline task, splits and Elo filters, the target-only loss, greedy
exact-match scoring, and the protocol's bootstrap chains (each step's labels come from the previous step's
model, on fresh puzzles)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from w2s_lib.chess import data as cdata
from w2s_lib.chess import generative as gen
from w2s_lib.chess import protocol as cp
from w2s_lib.chess.spec import ChessSpec
from w2s_lib.core import cache
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp.train import TrainConfig


def _lm(name="tiny-2", seed=0):
    from w2s_lib.models.loading import base_lm

    torch.manual_seed(seed)
    return base_lm(name).eval()


# ---------------------------------------------------------------------------- data


def test_transcript_numbers_every_half_move_and_parses_back():
    ctx = cdata.transcript(["e4", "e5", "Nf3"])
    assert ctx == "1. e4 1... e5 2. Nf3 2..."
    assert cdata.moves_of(ctx) == ["e4", "e5", "Nf3"]
    assert cdata.is_legal(ctx, " Nc6") and not cdata.is_legal(ctx, " Nf4") and not cdata.is_legal(ctx, " ")
    assert not cdata.is_legal(ctx, " Ke2")  # a legal-looking move for the wrong side


def test_synthetic_puzzles_are_legal_deterministic_and_graded():
    a, b = cdata.synth_puzzles(120, 0), cdata.synth_puzzles(120, 0)
    assert a == b and a != cdata.synth_puzzles(120, 1)
    assert len({p["id"] for p in a}) == 120
    for p in a:
        assert p["target"].startswith(" ") and cdata.is_legal(p["ctx"], p["target"])
        # the answer repeats the move of four half-moves earlier
        assert cdata.moves_of(p["ctx"])[-4] == p["target"].strip()
    assert {p["elo"] for p in a} == {500, 1000, 1500, 2000, 2500}


def test_splits_are_disjoint_and_elo_filters_are_inclusive():
    ps = cdata.synth_puzzles(200, 3)
    parts = cdata.split_puzzles(ps, n_test=20, n_train=50, n_parts=3)
    ids = [{p["id"] for p in parts[k]} for k in ("test", 0, 1, 2)]
    assert [len(s) for s in ids] == [20, 50, 50, 50]
    assert all(not (ids[i] & ids[j]) for i in range(4) for j in range(i + 1, 4))
    with pytest.raises(ValueError, match="cannot fill"):
        cdata.split_puzzles(ps, n_test=20, n_train=70, n_parts=3)
    easy = cdata.filter_elo(ps, elo_max=1000)
    assert easy and all(p["elo"] <= 1000 for p in easy) and any(p["elo"] == 1000 for p in easy)
    hard = cdata.filter_elo(ps, elo_min=2000)
    assert hard and all(p["elo"] >= 2000 for p in hard)
    assert len(easy) + len(cdata.filter_elo(ps, elo_min=1001)) == len(ps)
    assert cdata.elo_bins([500, 749, 750, 2600], 250).tolist() == [500, 500, 750, 2250]


def test_easy_and_hard_runs_train_on_filtered_non_test_puzzles():
    data = cp.ChessData(n_train=40, n_test=30, n_parts=2, n_pool=300)
    easy = cp.gt_run(data, "tiny-1", 0, elo_max=1000)
    hard = cp.gt_run(data, "tiny-1", 0, elo_min=2000)
    test_ids = {p["id"] for p in cp.prepare(data)["test"]}
    for cfg, ok in ((easy, lambda e: e <= 1000), (hard, lambda e: e >= 2000)):
        train = cp.training_puzzles(cfg)
        assert len(train) == 40 and all(ok(p["elo"]) for p in train)
        assert not {p["id"] for p in train} & test_ids
    assert (easy.role, hard.role) == ("easy", "hard")


def test_one_easy_set_can_have_its_own_size_without_renaming_the_others():
    """App. C.1: 25k puzzles for Elo <= 800, 50k for the other sets; papermill passes the dict's keys as text."""
    data = cp.ChessData(n_train=40, n_test=30, n_parts=2, n_pool=300)
    plain = cp.plan_easy_to_hard(data, ["tiny-1"], [1000, 1500])
    for sizes in ({1000: 15}, {"1000": 15}, {1000: 15, 1500: 40}):
        sized = cp.plan_easy_to_hard(data, ["tiny-1"], [1000, 1500], easy_n_train=sizes)
        easy = {c.elo_max: c for c in sized if c.role == "easy"}
        assert (easy[1000].train_size, easy[1500].train_size) == (15, 40)
        assert len(cp.training_puzzles(easy[1000])) == 15 and len(cp.training_puzzles(easy[1500])) == 40
        # every other run, the 1500 set's included (its size is n_train's), keeps its name
        renamed = {cp.run_name(c) for c in sized} - {cp.run_name(c) for c in plain}
        assert renamed == {cp.run_name(easy[1000])}
    with pytest.raises(ValueError, match=r"easy_n_train names no cutoff in \[900\]; valid: 1000, 1500"):
        cp.plan_easy_to_hard(data, ["tiny-1"], [1000, 1500], easy_n_train={900: 15})
    with pytest.raises(ValueError, match="Elo-filtered set"):
        cp.gt_run(data, "tiny-1", 1, n_train=15)
    with pytest.raises(ValueError, match="integer >= 1"):
        cp.gt_run(data, "tiny-1", 0, elo_max=1000, n_train=0)


def test_bad_sources_and_configs_are_refused():
    with pytest.raises(ValueError, match="valid: lichess, synth"):
        cp.ChessData(source="pgn")
    data = cp.ChessData(n_train=10, n_test=5, n_parts=3)
    weak = cp.gt_run(data, "tiny-1")
    with pytest.raises(ValueError, match="previous part"):
        cp.ChessRunConfig(data=data, model="tiny-2", labels="weak", part=2, supervisor=weak)
    with pytest.raises(ValueError, match="valid: gt, weak, none"):
        cp.ChessRunConfig(data=data, model="tiny-2", labels="soft")
    with pytest.raises(ValueError, match="Elo filters"):
        cp.ChessRunConfig(data=data, model="tiny-2", labels="none", elo_max=900)


# ---------------------------------------------------------------------------- training and scoring


def test_encode_masks_the_transcript_and_keeps_the_answer(tiny_tok):
    ids, labels = gen.encode(tiny_tok, "1. e4 1...", " e5", max_len=64)
    n_ctx = len(tiny_tok("1. e4 1...", add_special_tokens=False)["input_ids"])
    answer = tiny_tok(" e5", add_special_tokens=False)["input_ids"] + [tiny_tok.eos_token_id]
    assert labels == [-100] * n_ctx + answer and ids[n_ctx:] == answer
    # a long transcript loses its beginning, never the answer
    ids, labels = gen.encode(tiny_tok, "1. e4 " * 50 + "1...", " e5", max_len=20)
    assert len(ids) == 20 and labels[-len(answer) :] == answer
    with pytest.raises(ValueError, match="no room"):
        gen.encode(tiny_tok, "1.", " e5", max_len=len(answer))


def test_target_loss_is_the_cross_entropy_of_the_answer_tokens_only(tiny_tok):
    lm = _lm()
    ex = [gen.encode(tiny_tok, "1. e4 1... e5 2.", " Nf3", 64), gen.encode(tiny_tok, "1. d4 1...", " d5", 64)]
    ids, mask, labels = gen._collate(ex, tiny_tok.pad_token_id, "cpu")
    n = int((labels != -100).sum())
    got = gen.target_loss(lm, ids, mask, labels, n)
    logp = torch.log_softmax(lm(input_ids=ids, attention_mask=mask).logits.float(), -1)
    want = 0.0
    for r, (x, y) in enumerate(ex):  # by hand: position t predicts token t + 1, where it is labelled
        for t in range(len(x) - 1):
            if y[t + 1] != -100:
                want -= logp[r, t, x[t + 1]].item()
    assert got.item() == pytest.approx(want / n, rel=1e-5)
    # the transcript's own tokens are context: relabelling them as targets changes the loss
    assert n == sum(len(tiny_tok(t, add_special_tokens=False)["input_ids"]) + 1 for t in (" Nf3", " d5"))


def test_greedy_moves_do_not_depend_on_the_batch(tiny_tok):
    lm = _lm("tiny-1", seed=1)
    ctxs = [p["ctx"] for p in cdata.synth_puzzles(6, 0)]
    together = gen.greedy_moves(lm, tiny_tok, ctxs, max_len=256, batch_size=6, progress=False)
    alone = [gen.greedy_moves(lm, tiny_tok, [c], max_len=256, progress=False)[0] for c in ctxs]
    assert together == alone


def test_exact_match_is_on_the_first_move():
    assert gen.first_move(" Qf5 Qxc1+ 12.") == "Qf5" and gen.first_move("  ") == ""
    assert gen.exact_match(["Qf5", "Qf5+", "", "Qxc1+"], [" Qf5", " Qf5", " Qf5", " Qxc1+"]).tolist() == [1, 0, 0, 1]


def test_training_on_a_puzzle_makes_greedy_decoding_play_its_move(tiny_tok):
    lm = _lm("tiny-2")
    p = cdata.synth_puzzles(1, 5)[0]
    cfg = TrainConfig(lr=1e-2, epochs=60, batch_size=4, minibatch_size=2, max_len=256, select="last")
    assert gen.greedy_moves(lm, tiny_tok, [p["ctx"]], max_len=256, progress=False) != [p["target"].strip()]
    res = gen.train_generative(lm, tiny_tok, [p["ctx"]] * 4, [p["target"]] * 4, cfg, progress=False)
    assert res["history"][-1]["loss"] < res["history"][0]["loss"] / 10
    assert gen.greedy_moves(lm, tiny_tok, [p["ctx"]], max_len=256, progress=False) == [p["target"].strip()]


# ---------------------------------------------------------------------------- protocol


class _Named:
    def __init__(self, name):
        self.name = name


@pytest.fixture
def fake_training(monkeypatch):
    """Replace the models by their names: a model "plays" <name>:<puzzle ctx length>; record what each
    run trained on. The protocol's bookkeeping is then checkable exactly and fast."""
    seen = {}

    def fake_lm(cfg):
        return _Named(cfg.model), None

    def fake_train(lm, tok, ctxs, targets, cfg, **kw):
        seen.setdefault(lm.name, []).append((list(ctxs), [t.strip() for t in targets]))
        return {"history": [], "n_steps": 1, "seconds": 0.0}

    def fake_greedy(lm, tok, ctxs, **kw):
        return [f"{lm.name}:{len(c)}" for c in ctxs]

    monkeypatch.setattr(cp, "_lm", fake_lm)
    monkeypatch.setattr(cp, "train_generative", fake_train)
    monkeypatch.setattr(cp, "greedy_moves", fake_greedy)
    return seen


def test_bootstrap_steps_learn_the_previous_steps_moves_on_fresh_puzzles(tmp_path, fake_training):
    data = cp.ChessData(n_train=12, n_test=6, n_parts=4)
    runs = cp.plan(data, ["tiny-1", "tiny-2", "tiny-3", "gpt2"], zero_shot=False)
    chain = [r for r in runs["bootstrap"] if r.chain()[0].model == "tiny-1"]
    assert [r.model for r in chain] == ["tiny-2", "tiny-3", "gpt2"] and [r.part for r in chain] == [1, 2, 3]
    cp.results(runs, tmp_path, progress=False)
    parts = cp.prepare(data)
    # what each model trained on, by part: its ctxs are the part's, its targets its supervisor's moves
    by_model = {m: {tuple(c): t for c, t in v} for m, v in fake_training.items()}
    for step in chain:
        puzzles = parts[step.part]
        targets = by_model[step.model][tuple(p["ctx"] for p in puzzles)]
        assert targets == [f"{step.supervisor.model}:{len(p['ctx'])}" for p in puzzles]
    used = [{p["id"] for p in parts[k]} for k in range(4)]
    assert all(not (used[i] & used[j]) for i in range(4) for j in range(i + 1, 4))


def test_results_measure_pgr_from_the_chains_first_supervisor(tmp_path, fake_training):
    data = cp.ChessData(n_train=8, n_test=4, n_parts=3)
    runs = cp.plan(data, ["tiny-1", "tiny-2", "tiny-3"], zero_shot=True)
    df = cp.results(runs, tmp_path, progress=False)
    boot = df[(df["series"] == "bootstrap") & (df["bootstrap_step"] == 1)].iloc[0]
    assert (boot["weak_model"], boot["via"], boot["model"], boot["loss"]) == ("tiny-1", "tiny-2", "tiny-3", "bootstrap")
    assert set(df.loc[df["series"] == "naive", "loss"]) == {"xent"}
    assert set(df["role"]) == {"weak", "ceiling", "w2s", "zero_shot"}
    # every fake move is wrong, so accuracies are 0 and PGR is undefined; plant accuracies and recompute
    acc = {"weak": 0.2, "ceiling": 0.6}
    for cfg in runs["weak"] + runs["ceiling"] + [c for c in runs["bootstrap"] if c.part == 2]:
        path = cp.run_dir(cfg, tmp_path) / "metrics.json"
        m = pd.read_json(path, typ="series").to_dict()
        m["test_acc"] = acc.get(cfg.role, 0.5)
        path.write_text(pd.Series(m).to_json())
    df = cp.results(runs, tmp_path, progress=False)
    boot = df[(df["series"] == "bootstrap") & (df["bootstrap_step"] == 1)].iloc[0]
    assert boot["weak_acc"] == 0.2 and boot["strong_acc"] == 0.6 and boot["pgr"] == pytest.approx(0.75)


def test_finished_runs_are_loaded_not_retrained(tmp_path, fake_training):
    data = cp.ChessData(n_train=8, n_test=4, n_parts=2)
    runs = cp.plan(data, ["tiny-1", "tiny-2"], zero_shot=False)
    cp.results(runs, tmp_path, progress=False)
    n = sum(len(v) for v in fake_training.values())
    cp.results(runs, tmp_path, progress=False)
    assert sum(len(v) for v in fake_training.values()) == n == 3  # weak, ceiling, one student


def test_a_real_chain_end_to_end(tmp_path):
    data = cp.ChessData(n_train=24, n_test=12, n_parts=3)
    tr = dict(epochs=1.0, batch_size=8, minibatch_size=8, max_len=160)
    runs = cp.plan(data, ["tiny-1", "tiny-2", "tiny-3"], every=ModelSettings(train=tr))
    df = cp.results(runs, tmp_path, progress=False)
    assert df["test_acc"].between(0, 1).all() and df["legal_rate"].between(0, 1).all()
    step = [c for c in runs["bootstrap"] if c.part == 2][0]
    labels = pd.read_parquet(cp.run_dir(step.supervisor, tmp_path) / cp.NEXT_LABELS_FILE)
    assert list(labels["id"]) == [p["id"] for p in cp.prepare(data)[2]]
    t = pd.read_parquet(cp.run_dir(step, tmp_path) / cp.TEST_FILE)
    assert len(t) == 12 and t["correct"].isin([0, 1]).all()
    by_elo = cp.accuracy_by_elo(runs["ceiling"], tmp_path)
    assert set(by_elo["model"]) == {"tiny-2", "tiny-3"} and by_elo.groupby("model")["n"].sum().eq(12).all()
    assert cp.ChessRunConfig.from_dict(dataclasses.asdict(step)) == step
    assert np.isfinite(df.loc[df["role"] == "w2s", "agreement_all"]).all()


# the later runs of this test train on short sets on purpose: only the first warning is the subject
@pytest.mark.filterwarnings("ignore:.*puzzles pass the Elo filter:UserWarning")
def test_a_short_easy_set_warns_and_hard_accuracy_follows_hard_min(tmp_path, fake_training):
    data = cp.ChessData(n_train=30, n_test=40, n_parts=2)  # 60 training puzzles: Elo <= 500 is ~1/5 of them
    easy = cp.gt_run(data, "tiny-1", 0, elo_max=500)
    with pytest.warns(UserWarning, match=r"only \d+ of 30 puzzles pass the Elo filter"):
        cp.run_or_load(easy, tmp_path, progress=False)
    runs, _ = cp.easy_to_hard_results(tmp_path, ["tiny-1"], [0], [500], data=data, hard_min=2500, progress=False)
    # plant test results right exactly on the puzzles of Elo >= 2500: "hard" accuracy must follow hard_min
    for run in runs["run"]:
        path = next(tmp_path.glob(f"chess/synth/{run}")) / cp.TEST_FILE
        t = pd.read_parquet(path)
        t.assign(correct=(t["elo"] >= 2500).astype("float32")).to_parquet(path)
    kw = dict(data=data, progress=False)
    at_2500, _ = cp.easy_to_hard_results(tmp_path, ["tiny-1"], [0], [500], hard_min=2500, **kw)
    at_2000, _ = cp.easy_to_hard_results(tmp_path, ["tiny-1"], [0], [500], hard_min=2000, **kw)
    elo = np.array([p["elo"] for p in cp.prepare(data)["test"]])
    assert (at_2500["acc_hard"] == 1.0).all()
    planted = at_2000[at_2000["trained_on"] != "hard>=2000"]  # that run is new: its results are not planted
    assert len(planted) == 3 and planted["acc_hard"].to_numpy() == pytest.approx(
        (elo >= 2500).sum() / (elo >= 2000).sum()
    )


def test_the_chess_notebooks_paper_presets_share_their_runs():
    """Fig. 19's "all" and zero-shot runs are Figs. 3/4's ceilings and zero-shot runs, and Fig. 3's plan is
    Fig. 4's: the cache trains each once (no data is loaded to plan)."""
    from pathlib import Path

    import yaml

    def planned(nb):
        p = yaml.safe_load((Path(__file__).parents[2] / "params" / "paper" / f"{nb}.yaml").read_text())
        return {cp.run_name(c): c for c in ChessSpec.from_params(p).configs()}

    fig03, fig04 = planned("fig03_chess_naive_scaling"), planned("fig04_fig15_chess_bootstrapping")
    fig19 = planned("fig19_fig20_chess_easy_to_hard")
    assert fig03 == fig04
    common = {n for n, c in fig19.items() if c.role in ("ceiling", "zero_shot")}
    # all four zero-shot runs and the ceilings of the three students; the weakest model's "all" run is new
    assert [fig19[n].model for n in common - set(fig03)] == ["gpt2"] and len(common & set(fig03)) == 7
    assert len(set(fig03) | set(fig19)) == 48  # what benchmarks/bench_chess.py prices


# ---------------------------------------------------------------------------- any causal LM


HUB_LM = "some-lab/tiny-chess-lm"  # no preset: a Hub id, laid out offline in the session's hub cache


def _hub_lm() -> str:
    from transformers import AutoModelForCausalLM

    from tests.support.hub_layouts import hub_model
    from w2s_lib.models.loading import tiny_config
    from w2s_lib.models.tokenizers import tiny_tokenizer

    config = tiny_config("tiny-1")
    torch.manual_seed(0)
    hub_model(HUB_LM, config, tiny_tokenizer(), model=AutoModelForCausalLM.from_config(config))
    return HUB_LM


@pytest.mark.slow
def test_w2s_chess_takes_a_hub_causal_lm_that_is_no_preset(tmp_path, capsys):
    """`w2s chess --models` takes any causal LM, not only presets: a student named by its Hub id trains, decodes
    and is scored with its own tokenizer and weights from the hub cache (offline), beside a preset supervisor."""
    from w2s_lib.cli.main import main
    from w2s_lib.models.presets import preset_of

    hub_id = _hub_lm()
    assert preset_of(hub_id) is None
    out = tmp_path / "c"
    argv = ["chess", "--out", str(out), "--models", f"tiny-1,{hub_id}", "--n-train", "8", "--n-test", "4"]
    argv += ["--n-parts", "2", "--epochs", "1", "--batch-size", "4", "--minibatch-size", "4", "--quiet"]
    assert main(argv) == 0, capsys.readouterr().err
    table = capsys.readouterr().out
    assert table.count(hub_id) == 3, table  # its ceiling, its naive run from tiny-1, its zero-shot run
    configs = [cache.read_json(p) for p in out.glob("chess/synth/*/config.json")]
    w2s = [c for c in configs if c["labels"] == "weak"]
    assert len(w2s) == 1 and (w2s[0]["model"], w2s[0]["supervisor"]["model"]) == (hub_id, "tiny-1")
    assert w2s[0]["train"]["lr"] == pytest.approx(1e-5)  # no preset: the library's default rate


def test_chess_refuses_encoders_and_unknown_names_but_not_hub_ids(tmp_path, capsys):
    from transformers import BertConfig

    from w2s_lib.cli.main import main

    folder = tmp_path / "my-encoder"
    BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8).save_pretrained(folder)
    assert cp.encoders(["tiny-1", "minilm-l6", str(folder), "Qwen/Qwen2.5-0.5B", "EleutherAI/pythia-1b"]) == [
        "minilm-l6",
        str(folder),
    ]
    for models, message in (
        (f"tiny-1,{folder}", f"chess needs causal language models; {folder} are encoders"),
        ("tiny-1,gpt3", "unknown model 'gpt3'; valid: "),
    ):
        assert main(["chess", "--out", str(tmp_path / "o"), "--models", models]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "o").exists()
