"""Prompting baselines (paper Fig. 9): prompt assembly, shot draws, weak vs g.t. shot labels, scoring, cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tests.support.settings import FAST
from w2s_lib.core import cache, runs
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp import prompting
from w2s_lib.nlp.protocol import DataConfig, prepare_data, run_dir, run_or_load
from w2s_lib.nlp.results import collect
from w2s_lib.nlp.settings import DataSettings, PromptSettings
from w2s_lib.nlp.sweep import plan_sweep

DATA = DataConfig("synth_sentiment", n_train=300, n_test=60, seed=0)
SMALL = DataSettings(n_train=DATA.n_train, n_test=DATA.n_test)


@pytest.fixture(scope="module")
def sup_root(tmp_path_factory):
    """A results root holding one finished tiny supervisor (ground truth, half A): the weak labels."""
    root = tmp_path_factory.mktemp("nlp")
    (sup,) = plan_sweep(
        [DATA.task],
        ["tiny-1"],
        [],
        [0],
        pairs=[],
        ceiling_half="A",
        data=SMALL,
        every=ModelSettings(train=FAST),
    ).weak
    assert sup.data == DATA
    run_or_load(sup, root, progress=False)
    return root, sup


@pytest.fixture(scope="module")
def lm_tok():
    return prompting._language_model("tiny-2", 0, "cpu")


def _blocks(prompt: str) -> list[str]:
    return prompt.split("\n\n")  # instruction, shots, query (synthetic texts have no blank lines)


def test_prompt_assembly_exact():
    got = prompting.format_prompt(
        "synth_keyword", [("Text: a red\nRed:", 1), ("Text: b\nRed:", 0)], "Text: c\nRed:", end="", answers=(" 0", " 1")
    )
    want = (
        prompting.INSTRUCTIONS["synth_keyword"] + "\n\nText: a red\nRed:\nLabel: 1\n\nText: b\nRed:\nLabel: 0"
        "\n\nText: c\nRed:\nLabel:"
    )
    assert got == want
    assert (
        prompting.format_prompt("boolq", [], "Q?", end=" ", answers=("0", "1"))
        == prompting.DEFAULT_INSTRUCTION + "\n\nQ?\nLabel: "
    )
    for task in ("cosmos_qa", "ethics_deontology", "ethics_justice", "ethics_virtue", "quail", "sciq", "social_i_qa"):
        from w2s_lib.data import TASKS

        assert task in TASKS and "write 1 if" in prompting.instruction(task)
        assert prompting.instruction(task) != prompting.DEFAULT_INSTRUCTION


def test_answer_tokens_are_those_that_follow_the_prompt(tiny_tok):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<pad>", "<unk>", "x", "Label", ":", "0", "1", "Q", "?"])}
    wl = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    wl.pre_tokenizer = pre_tokenizers.Whitespace()
    words = PreTrainedTokenizerFast(tokenizer_object=wl, pad_token="<pad>", unk_token="<unk>")
    # the tiny BPE has " 1" but not " 0" as one token: it falls back to "Label:" + "0"/"1"; a word-level one keeps " 0"
    assert prompting.answer_format(tiny_tok)[:2] == ("", ("0", "1"))
    assert prompting.answer_format(words)[:2] == ("", (" 0", " 1"))
    for tok in (tiny_tok, words):
        end, answers, ids = prompting.answer_format(tok)
        prompt = prompting.format_prompt("synth_keyword", [("Q ?", 1), ("x", 0)], "Q x ?", end, answers)
        head = tok.encode(prompt, add_special_tokens=False)
        for y in (0, 1):
            assert tok.encode(prompt + answers[y], add_special_tokens=False) == head + [ids[y]]


def test_shots_come_from_the_training_pool_balanced_and_never_the_query(tiny_tok):
    data = prepare_data(DATA)
    pool, labels = data.B_train, np.array([it["hard_label"] for it in data.B_train])
    prompts, kept = prompting.build_prompts(DATA.task, data.test, pool, labels, 5, 0, tiny_tok, 512)
    pool_label = {it["txt"]: it["hard_label"] for it in pool}
    test_txt = {it["txt"] for it in data.test}
    assert kept == [5] * len(data.test)
    for q, p in zip(data.test, prompts):
        blocks = _blocks(p)
        assert blocks[0] == prompting.instruction(DATA.task) and blocks[-1] == q["txt"] + "\nLabel:"
        shots = [b.rsplit("\nLabel:", 1) for b in blocks[1:-1]]
        assert len(shots) == 5 and all(t in pool_label and t not in test_txt for t, _ in shots)
        assert all(int(y) == pool_label[t] for t, y in shots)
        assert sorted(int(y) for _, y in shots) in ([0, 0, 1, 1, 1], [0, 0, 0, 1, 1])
    assert len(set(prompts)) == len(prompts)  # shots drawn per query
    again, _ = prompting.build_prompts(DATA.task, data.test, pool, labels, 5, 0, tiny_tok, 512)
    other, _ = prompting.build_prompts(DATA.task, data.test, pool, labels, 5, 1, tiny_tok, 512)
    assert again == prompts and other != prompts
    # drawing from the test set itself: the query (its group) is never among its own shots
    groups = [it["group"] for it in data.test]
    test_y = [it["hard_label"] for it in data.test]
    for qi, q in enumerate(data.test):
        idx = prompting.draw_shots(test_y, groups, 8, q["group"], np.random.default_rng([3, qi]))
        assert len(idx) == len(set(idx)) == 8 and all(groups[i] != q["group"] for i in idx)
    # a class too small: the other fills in
    idx = prompting.draw_shots([0, 1, 1, 1, 1], list("abcde"), 4, "z", np.random.default_rng(0))
    assert len(idx) == len(set(idx)) == 4 and 0 in idx


def test_long_prompts_drop_early_shots_and_keep_the_query_end(tiny_tok, lm_tok):
    data = prepare_data(DATA)
    pool, labels = data.B_train, [it["hard_label"] for it in data.B_train]
    full, _ = prompting.build_prompts(DATA.task, data.test[:5], pool, labels, 5, 0, tiny_tok, 512)
    short, kept = prompting.build_prompts(DATA.task, data.test[:5], pool, labels, 5, 0, tiny_tok, 160)
    for f, s, k in zip(full, short, kept):
        assert 0 < k < 5 and len(tiny_tok(s)["input_ids"]) <= 160
        assert _blocks(f)[-1 - k :] == _blocks(s)[-1 - k :] and _blocks(s)[0] == _blocks(f)[0]  # latest shots kept
    # a query longer than max_len alone: cut from the left, so the model still reads its end
    lm, tok = lm_tok
    ids = tok(full[0])["input_ids"]
    p1 = prompting.score_prompts(lm, tok, [full[0]], max_len=16)
    with torch.no_grad():
        logits = lm(torch.tensor([ids[-16:]])).logits[0, -1, list(prompting.answer_format(tok)[2])]
    assert p1[0] == pytest.approx(torch.softmax(logits, -1)[1].item(), abs=1e-5)


def test_scoring_matches_hand_softmax_and_ignores_padding_and_batches(lm_tok):
    lm, tok = lm_tok
    data = prepare_data(DATA)
    labels = [it["hard_label"] for it in data.B_train]
    prompts = prompting.build_prompts(DATA.task, data.test[:7], data.B_train, labels, 2, 0, tok, 512)[0]
    prompts += prompting.build_prompts(DATA.task, data.test[7:10], data.B_train, labels, 0, 0, tok, 512)[0]
    i0, i1 = prompting.answer_format(tok)[2]
    with torch.no_grad():
        hand = []
        for p in prompts:
            logits = lm(torch.tensor([tok(p)["input_ids"]])).logits[0, -1]
            hand.append(torch.softmax(torch.stack([logits[i0], logits[i1]]), 0)[1].item())
    results = []
    for side in ("right", "left"):
        tok.padding_side = side
        for bs in (1, 3, len(prompts)):
            results.append(prompting.score_prompts(lm, tok, prompts, max_len=512, batch_size=bs))
    tok.padding_side = "right"
    perm = np.random.default_rng(0).permutation(len(prompts))
    shuffled = prompting.score_prompts(lm, tok, [prompts[i] for i in perm], max_len=512, batch_size=4)
    results.append(shuffled[np.argsort(perm)])
    assert np.std(hand) > 1e-4  # the random-init model does tell prompts apart
    for r in results:
        np.testing.assert_allclose(r, hand, atol=1e-5)


def test_weak_shot_labels_are_the_supervisors_mistakes_included(sup_root, monkeypatch):
    root, sup = sup_root
    pool = prepare_data(DATA).B_train
    gt = np.array([it["hard_label"] for it in pool])
    weak_cfg = prompting.PromptConfig(DATA, "tiny-2", shots=3, shot_labels="weak", weak=sup, max_len=256)
    gt_cfg = prompting.PromptConfig(DATA, "tiny-2", shots=3, max_len=256)
    sup_p1 = pd.read_parquet(run_dir(sup, root) / "weak_labels.parquet").set_index("id")["p1"]
    weak = prompting.shot_labels(weak_cfg, root, pool)
    np.testing.assert_array_equal(weak, sup_p1.loc[[it["id"] for it in pool]].to_numpy() > 0.5)
    np.testing.assert_array_equal(prompting.shot_labels(gt_cfg, root, pool), gt)
    wrong = weak != gt
    assert 0 < wrong.sum() < len(pool)  # the tiny supervisor errs on some items
    # the runs' prompts show exactly those labels
    seen = {}
    real_build = prompting.build_prompts

    def spy(task, queries, pool_, labels, *a):
        out = real_build(task, queries, pool_, labels, *a)
        seen[len(seen)] = (pool_, np.asarray(labels), out[0])
        return out

    monkeypatch.setattr(prompting, "build_prompts", spy)
    m_weak = prompting.run_or_load_prompting(weak_cfg, root, device="cpu")
    m_gt = prompting.run_or_load_prompting(gt_cfg, root, device="cpu")
    (p_w, y_w, prompts_w), (p_g, y_g, _) = seen[0], seen[1]
    assert [it["id"] for it in p_w] == [it["id"] for it in p_g] == [it["id"] for it in pool]
    np.testing.assert_array_equal(y_w, weak)
    np.testing.assert_array_equal(y_g, gt)
    assert m_weak["shot_label_acc"] == pytest.approx(1 - wrong.mean()) and m_gt["shot_label_acc"] == 1.0
    assert m_weak["weak_model"] == "tiny-1" and m_gt["weak_model"] is None
    shown = {t: int(y) for p in prompts_w for t, y in (b.rsplit("\nLabel:", 1) for b in _blocks(p)[1:-1])}
    weak_by_txt = {it["txt"]: int(w) for it, w in zip(pool, weak)}
    assert shown and all(weak_by_txt[t] == y for t, y in shown.items())
    assert any(weak_by_txt[t] != it["hard_label"] for it in pool for t in [it["txt"]] if t in shown)


def test_cache_round_trip_in_the_results_root(sup_root, monkeypatch):
    root, sup = sup_root
    cfg = prompting.PromptConfig(DATA, "tiny-1", shots=2, max_len=256, batch_size=16)
    first = prompting.run_or_load_prompting(cfg, root, device="cpu")
    out = prompting.prompt_run_dir(cfg, root)
    assert out.parent == root / DATA.task  # beside the finetuning runs of its task
    assert runs.read_record(out)["kind"] == "prompt"
    assert {
        "setting",
        "task",
        "role",
        "model",
        "weak_model",
        "shots",
        "shot_labels",
        "test_acc",
        "seed",
        "seconds",
    } <= set(first)
    assert (first["setting"], first["role"], first["shots"], first["shot_labels"]) == ("nlp", "few_shot", 2, "gt")
    preds = pd.read_parquet(out / "test_predictions.parquet")
    assert len(preds) == DATA.n_test and np.isclose(((preds.p1 > 0.5) == preds.label).mean(), first["test_acc"])

    def boom(*a, **k):
        raise AssertionError("recomputed a cached run")

    monkeypatch.setattr(prompting, "score_prompts", boom)
    assert prompting.run_or_load_prompting(cfg, root, device="cpu") == first
    # the results root lists both; the finetuning tables only the finetuning run
    df = collect(root)
    assert list(df["run"]) == [run_dir(sup, root).name]
    assert out in list(cache.iter_runs(root))


def test_bad_inputs_name_the_choices(sup_root):
    _, sup = sup_root
    with pytest.raises(ValueError, match="unknown shot_labels 'soft'; valid: gt, weak"):
        prompting.PromptConfig(DATA, "tiny-1", shots=5, shot_labels="soft")
    with pytest.raises(ValueError, match=r"shots must be an int >= 0"):
        prompting.PromptConfig(DATA, "tiny-1", shots=-1)
    with pytest.raises(ValueError, match="shot_labels='weak' goes with a weak supervisor"):
        prompting.PromptConfig(DATA, "tiny-1", shots=5, shot_labels="weak")
    with pytest.raises(ValueError, match="weak shots need shots > 0"):
        prompting.PromptConfig(DATA, "tiny-2", shots=0, shot_labels="weak", weak=sup)


def test_prompting_results_table_and_fig09_curves(sup_root):
    root, _ = sup_root
    df = prompting.prompting_results(
        root,
        [DATA.task],
        ["tiny-1", "tiny-2"],
        [0],
        prompt=PromptSettings(shots=(0, 2), max_len=256, batch_size=32),
        data=SMALL,
        every=ModelSettings(train=FAST),
        device="cpu",
    )
    got = sorted(zip(df["model"], df["shots"], df["shot_labels"], df["weak_model"].fillna("")))
    assert got == [
        ("tiny-1", 0, "gt", ""),
        ("tiny-1", 2, "gt", ""),
        ("tiny-2", 0, "gt", ""),
        ("tiny-2", 2, "gt", ""),
        ("tiny-2", 2, "weak", "tiny-1"),
    ]
    assert df["weak_acc"].notna().sum() == 1 and df["test_acc"].between(0, 1).all()
    ft = pd.DataFrame(
        {
            "role": ["weak", "ceiling", "w2s", "w2s"],
            "task": DATA.task,
            "seed": 0,
            "weak_model": [None, None, "tiny-1", "tiny-1"],
            "loss": ["xent", "xent", "xent", "logconf"],
            "model": ["tiny-1", "tiny-2", "tiny-2", "tiny-2"],
            "test_acc": [0.6, 0.8, 0.65, 0.7],
        }
    )
    curves = prompting.fig09_curves(df, ft).set_index(["series", "weak_model", "model"])["acc"]
    assert curves[("finetune g.t.", "", "tiny-2")] == pytest.approx(80)
    assert curves[("finetune weak (aux. loss)", "tiny-1", "tiny-2")] == pytest.approx(70)
    row = df[(df.model == "tiny-2") & (df.shot_labels == "weak")].iloc[0]
    assert curves[("2-shot weak", "tiny-1", "tiny-2")] == pytest.approx(100 * row["test_acc"])
    assert {"zero-shot", "2-shot g.t.", "finetune weak (naive)"} <= set(curves.index.get_level_values(0))


def test_prompt_sets_ours_by_default_and_the_papers_refused_until_its_text_is_here(sup_root):
    """Table 2's verbatim instructions are not in the repository: asking for them fails in one line, before any
    run starts, and never falls back to a paraphrase; "ours" is the default everywhere and keeps the cache key."""
    root, _ = sup_root
    assert prompting.PROMPT_SETS == ("ours", "paper")
    assert prompting.instruction("sciq") == prompting.instruction("sciq", "ours") == prompting.INSTRUCTIONS["sciq"]
    for call in (
        lambda: prompting.instruction("sciq", "paper"),
        lambda: prompting.format_prompt("sciq", [], "Q?", prompts="paper"),
        lambda: prompting.PromptConfig(DATA, "tiny-1", prompts="paper"),
        lambda: prompting.prompting_results(
            root, [DATA.task], ["tiny-1"], [0], prompt=PromptSettings(prompts="paper"), data=SMALL
        ),
    ):
        with pytest.raises(ValueError, match=r"^prompts='paper': the verbatim instructions of the paper's Table 2 "):
            call()
    with pytest.raises(ValueError, match=r"^unknown prompts 'gpt4'; valid: ours, paper$"):
        prompting.PromptConfig(DATA, "tiny-1", prompts="gpt4")
    assert "\n" not in prompting.PAPER_PROMPTS_MISSING
    cfg = prompting.PromptConfig(DATA, "tiny-1", shots=2)
    assert cfg.prompts == "ours" and "prompts" not in cache.non_default(cfg)  # runs cached before keep their key


def test_shot_counts_hand_computed():
    assert prompting.shot_counts([5, 4, 5, 2], 5) == {
        "mean_shots_kept": 4.0,
        "min_shots_kept": 2,
        "frac_all_shots": 0.5,
    }
    assert all(np.isnan(v) for v in prompting.shot_counts([0, 0], 0).values())  # zero-shot: nothing to cut
    df = pd.DataFrame(
        {
            "task": ["a", "a", "a", "b"],
            "shots": [0, 5, 5, 5],
            "mean_shots_kept": [np.nan, 4.0, 5.0, 3.0],
            "min_shots_kept": [np.nan, 2, 5, 1],
            "frac_all_shots": [np.nan, 0.5, 1.0, 0.0],
        }
    )
    got = prompting.shots_survived(df).set_index("task")
    assert list(got.index) == ["a", "b"] and (got["shots"] == 5).all() and list(got["n_runs"]) == [2, 1]
    assert got.loc["a", "mean_shots_kept"] == 4.5 and got.loc["a", "min_shots_kept"] == 2
    assert got.loc["a", "frac_all_shots"] == 0.75 and got.loc["b", "frac_all_shots"] == 0.0


def test_runs_record_the_shots_that_survived_the_context_limit(sup_root, tiny_tok):
    """With the tiny tokenizer, 5 shots of synth_sentiment need 201-220 tokens: at 200 most prompts lose one."""
    root, _ = sup_root
    cfg = prompting.PromptConfig(DATA, "tiny-1", shots=5, max_len=200, batch_size=32, seed=0)
    m = prompting.run_or_load_prompting(cfg, root, device="cpu")
    kept = pd.read_parquet(prompting.prompt_run_dir(cfg, root) / "test_predictions.parquet")["shots_kept"]
    assert 0 < m["frac_all_shots"] < 1 and m["min_shots_kept"] == kept.min() < 5
    assert m["frac_all_shots"] == pytest.approx((kept == 5).mean()) and m["mean_shots_kept"] == pytest.approx(
        kept.mean()
    )
    zero = prompting.run_or_load_prompting(prompting.PromptConfig(DATA, "tiny-1", max_len=200), root, device="cpu")
    assert zero["frac_all_shots"] is None and zero["min_shots_kept"] is None  # nan, as JSON has it: nothing to cut
