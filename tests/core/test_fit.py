"""The training core (w2s_lib/core/fit.py): one loop for every objective, gradient accumulation, the masked
next-token loss, dropout, precision, selection and the progress bar."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from w2s_lib.core import fit
from w2s_lib.nlp import train
from w2s_lib.nlp.train import TrainConfig

TINY = TrainConfig(lr=1e-2, epochs=1.0, batch_size=8, minibatch_size=4, max_len=32, select="last")
TEXTS = [f"the {'very ' * (i % 4)}small owl {i}" for i in range(16)]


def _classifier(seed=0, **kw):
    from w2s_lib.models.classifier import build_classifier

    torch.manual_seed(seed)
    m = build_classifier("tiny-1", **kw)
    torch.nn.init.normal_(m.head.weight, std=0.5)
    return m


def _lm(seed=0):
    from w2s_lib.models.loading import base_lm

    torch.manual_seed(seed)
    return base_lm("tiny-1")


def _run_all_four(tok):
    """Each training entry point of the library once, on tiny inputs."""
    from w2s_lib.chess import generative
    from w2s_lib.nlp.genft import finetune_lm
    from w2s_lib.vision.probe import train_probe

    soft = np.linspace(0.1, 0.9, len(TEXTS))
    train.train_classifier(_classifier(), tok, TEXTS, soft, TINY, progress=False)
    train.train_classifier(_classifier(linear_probe=True), tok, TEXTS, soft, TINY, progress=False)
    finetune_lm(_lm(), tok, TEXTS, TINY, 1.0, progress=False)
    generative.train_generative(_lm(), tok, ["1. e4 1..."] * 4, [" e5"] * 4, TINY, progress=False)
    x = torch.randn(20, 6, generator=torch.Generator().manual_seed(0))
    soft_k = torch.softmax(x[:, :3], -1)
    train_probe(
        x, soft_k, dataclasses.replace(TINY, loss="logconf"), x_test=x, y_test=np.zeros(20, int), progress=False
    )


def test_every_training_loop_is_the_one_core(tiny_tok, monkeypatch):
    """The classifier (forward and feature paths), generative finetuning, chess and the vision probe all
    train through ``fit.fit``, each with its objective."""
    calls = []
    real = fit.fit

    def spy(cfg, objective, loop):
        source = getattr(objective, "logits_of", None)
        calls.append((type(objective).__name__, type(source).__name__ if source is not None else None))
        return real(cfg, objective, loop)

    monkeypatch.setattr(fit, "fit", spy)
    _run_all_four(tiny_tok)
    assert calls == [
        ("SoftLabels", "function"),  # the model's forward on padded tokens
        ("SoftLabels", "Features"),  # a linear probe's head on its cached features
        ("NextToken", None),
        ("NextToken", None),
        ("SoftLabels", "Features"),  # the vision probe
    ]


def test_no_module_runs_its_own_optimizer_steps():
    """Backward passes and optimizer steps live in the core only (and dist's DDP-aware backward)."""
    lib = Path(fit.__file__).parent
    pattern = re.compile(r"\.backward\(|\bopt\w*\.step\(|\.zero_grad\(|index_batches\(")
    found = [
        f"{p.relative_to(lib)}:{i}"
        for p in sorted(lib.rglob("*.py"))
        if p.name not in ("fit.py", "dist.py")
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert not found, found


# ---------------------------------------------------------------------------------------------
# Gradient accumulation


class _Recorder(torch.optim.SGD):
    """An optimizer that keeps every step's gradients."""

    def __init__(self, params, log):
        super().__init__(params, lr=1e-3)
        self.log = log

    def step(self, closure=None):
        self.log.append([p.grad.detach().clone() for g in self.param_groups for p in g["params"]])
        return super().step(closure)


def _grads(monkeypatch, cfg, objective, params, lengths):
    log = []
    monkeypatch.setattr(fit, "make_optimizer", lambda cfg, ps: _Recorder(ps, log))
    fit.fit(cfg, objective, fit.Loop(params=params, lengths=lengths, epochs=cfg.epochs, device=torch.device("cpu")))
    return log


@pytest.mark.parametrize("loss", ["xent", "logconf", "product"])
def test_minibatches_give_the_full_batch_gradient(monkeypatch, loss):
    """Minibatches of 4 give the gradients of one pass over the 16-example batch, every step (the
    confidence loss thresholds on the whole batch: its targets come from the no-grad batch pass)."""
    from w2s_lib.core.losses import get_loss

    g = torch.Generator().manual_seed(0)
    x, soft = torch.randn(48, 5, generator=g), torch.rand(48, generator=g)
    soft = torch.stack([1 - soft, soft], -1)
    kw = (("warmup_frac", 0.0),) if loss == "logconf" else ()
    cfg = TrainConfig(lr=1e-2, epochs=1.0, batch_size=16, minibatch_size=16, loss=loss, loss_kw=kw)
    runs = {}
    for mbs in (16, 4):
        torch.manual_seed(0)
        head = torch.nn.Linear(5, 2)
        objective = fit.SoftLabels(fit.Features(head, x), soft, get_loss(loss, **dict(kw)), torch.device("cpu"))
        c = dataclasses.replace(cfg, minibatch_size=mbs)
        runs[mbs] = _grads(monkeypatch, c, objective, list(head.parameters()), [1] * 48)
    assert len(runs[16]) == len(runs[4]) == 3
    for full, parts in zip(runs[16], runs[4]):
        for a, b in zip(full, parts):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
            assert a.abs().max() > 1e-3


def test_without_the_batch_pass_the_confidence_loss_would_differ(monkeypatch):
    """The negative control of the test above: per-minibatch thresholds change the gradient."""
    from w2s_lib.core.losses import get_loss

    g = torch.Generator().manual_seed(0)
    x, soft = torch.randn(16, 5, generator=g), torch.rand(16, generator=g)
    soft = torch.stack([1 - soft, soft], -1)
    cfg = TrainConfig(
        lr=1e-2, epochs=1.0, batch_size=16, minibatch_size=4, loss="logconf", loss_kw=(("warmup_frac", 0.0),)
    )
    grads = []
    for batch_pass in (True, False):
        torch.manual_seed(0)
        head = torch.nn.Linear(5, 2)
        objective = fit.SoftLabels(
            fit.Features(head, x), soft, get_loss("logconf", warmup_frac=0.0), torch.device("cpu")
        )
        if not batch_pass:
            objective.prepare = lambda b, o=objective: (o.soft[b.local], None)
        grads.append(_grads(monkeypatch, cfg, objective, list(head.parameters()), [1] * 16)[0])
    assert not all(torch.allclose(a, b) for a, b in zip(*grads))


def test_next_token_minibatches_give_the_full_batch_gradient(monkeypatch, tiny_tok):
    seqs = train.tokenize(tiny_tok, TEXTS[:8], 32)
    grads = {}
    for mbs in (8, 2):
        lm = _lm()
        cfg = TrainConfig(lr=1e-3, epochs=1.0, batch_size=8, minibatch_size=mbs)
        objective = fit.NextToken(lm, [(s, s) for s in seqs], tiny_tok.pad_token_id, torch.device("cpu"))
        grads[mbs] = _grads(monkeypatch, cfg, objective, list(lm.parameters()), [len(s) for s in seqs])[0]
    for a, b in zip(grads[8], grads[2]):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# The masked next-token objective


def _by_hand(lm, examples):
    """Summed cross-entropy of each labelled token given the tokens before it, one example at a time."""
    total = 0.0
    for x, y in examples:
        with torch.no_grad():
            logp = torch.log_softmax(lm(input_ids=torch.tensor([x])).logits[0].double(), -1)
        total -= sum(logp[t - 1, x[t]].item() for t in range(1, len(x)) if y[t] != fit.IGNORE)
    return total


def test_next_token_loss_reads_the_labelled_tokens_only(tiny_tok):
    """Answer-only labels (chess) score the answer's tokens given the whole transcript, never the
    transcript's own; labels = ids (generative finetuning) score every token but the first. Padding in a
    minibatch changes neither."""
    from w2s_lib.chess.generative import encode

    lm = _lm()
    chess = [encode(tiny_tok, "1. e4 1... e5 2.", " Nf3", 64), encode(tiny_tok, "1. d4 1...", " d5", 64)]
    ids = train.tokenize(tiny_tok, ["a small owl", "the cat sat on the red mat"], 32)
    for examples in (chess, [(s, s) for s in ids]):
        objective = fit.NextToken(lm, examples, tiny_tok.pad_token_id, torch.device("cpu"))
        batch = fit.Batch([0, 1], [0, 1], 2, [range(0, 2)], 0.0, fit.OneProcess())
        n = objective.prepare(batch)
        assert n == sum(sum(v != fit.IGNORE for v in y[1:]) for _, y in examples)
        with torch.no_grad():
            got = objective.loss(batch, n, range(0, 2)).item() * n
        assert got == pytest.approx(_by_hand(lm, examples), rel=1e-5)
    # the transcript's tokens are context: scoring them too gives another loss
    n_ctx = len(tiny_tok("1. e4 1... e5 2.", add_special_tokens=False)["input_ids"])
    assert chess[0][1][:n_ctx] == [fit.IGNORE] * n_ctx and fit.n_predicted(chess[0][1]) == len(chess[0][1]) - n_ctx
    assert _by_hand(lm, [(x, x) for x, _ in chess]) > _by_hand(lm, chess) + 1


def test_genft_labels_every_token_and_chess_the_answer(tiny_tok, monkeypatch):
    from w2s_lib.chess import generative
    from w2s_lib.nlp.genft import finetune_lm

    seen = []
    monkeypatch.setattr(fit, "fit", lambda cfg, objective, loop: seen.append(objective) or fit.Fitted([], 1, 0, None))
    finetune_lm(_lm(), tiny_tok, TEXTS[:3], TINY, 1.0, progress=False)
    generative.train_generative(_lm(), tiny_tok, ["1. e4 1..."], [" e5"], TINY, progress=False)
    genft, chess = seen
    assert all(x == y for x, y in genft.examples)
    (x, y), answer = chess.examples[0], tiny_tok(" e5", add_special_tokens=False)["input_ids"] + [tiny_tok.eos_token_id]
    assert y == [fit.IGNORE] * (len(x) - len(answer)) + answer


# ---------------------------------------------------------------------------------------------
# Dropout, precision, progress, selection


def test_models_train_in_eval_mode_unless_dropout_is_asked_for(tiny_tok, monkeypatch):
    """Every loop trains with dropout off (eval mode); the classifier honours ``cfg.dropout``."""
    modes = []
    real = fit.setup

    def spy(model, device, dropout):
        out = real(model, device, dropout)
        model.register_forward_pre_hook(lambda m, a: modes.append(m.training))
        return out

    monkeypatch.setattr(fit, "setup", spy)
    _run_all_four(tiny_tok)
    assert modes and not any(modes)
    modes.clear()
    cfg = dataclasses.replace(TINY, dropout=True)
    train.train_classifier(_classifier(), tiny_tok, TEXTS, np.linspace(0, 1, 16), cfg, progress=False)
    assert modes and all(modes[:2])  # training steps (evaluation predicts in eval mode)


def test_autocast_is_the_one_precision_helper(tiny_tok, monkeypatch):
    """``fit.autocast`` is the library's only autocast helper; the core enters it around every pass of
    every objective, the vision probe's included; on CPU it is a no-op."""
    from w2s_lib.nlp import prompting

    assert train.autocast is fit.autocast
    assert isinstance(fit.autocast(torch.device("cpu")), contextlib.nullcontext)
    lib = Path(fit.__file__).parent
    defs = [p.name for p in lib.rglob("*.py") if re.search(r"def \w*autocast\w*\(", p.read_text())]
    assert defs == ["fit.py"], defs
    assert "_autocast" not in "".join(p.read_text() for p in lib.rglob("*.py"))
    assert "fit import autocast" in Path(prompting.__file__).read_text()
    entered = []

    @contextlib.contextmanager
    def counting(device):
        entered.append(device.type)
        yield

    monkeypatch.setattr(fit, "autocast", counting)
    from w2s_lib.chess import generative
    from w2s_lib.nlp.genft import finetune_lm
    from w2s_lib.vision.probe import train_probe

    x = torch.randn(20, 6)
    for run in (
        lambda: train.train_classifier(_classifier(), tiny_tok, TEXTS, np.linspace(0, 1, 16), TINY, progress=False),
        lambda: finetune_lm(_lm(), tiny_tok, TEXTS, TINY, 1.0, progress=False),
        lambda: generative.train_generative(_lm(), tiny_tok, ["1. e4 1..."] * 4, [" e5"] * 4, TINY, progress=False),
        lambda: train_probe(x, torch.softmax(x[:, :3], -1), TINY, x_test=x, y_test=np.zeros(20, int), progress=False),
    ):
        entered.clear()
        run()
        assert entered and set(entered) == {"cpu"}  # each step's batch pass and minibatches


def test_the_progress_bar_is_the_main_process_s(monkeypatch):
    loop = fit.Loop(params=[], lengths=[1], epochs=1.0, device=torch.device("cpu"), progress=True)
    log = fit._Log(loop, 3)
    assert log.bar is not None
    log.bar.close()
    monkeypatch.setattr(fit.dist, "is_main", lambda: False)
    assert fit._Log(loop, 3).bar is None
    assert fit._Log(dataclasses.replace(loop, progress=False), 3).bar is None


def test_selection_keeps_the_best_earliest_weights_and_restores_them():
    model = torch.nn.Linear(2, 2)
    sel = fit.Selection("val", model, n_steps=4)
    kept = {}
    for step, acc in [(1, 0.5), (2, 0.7), (3, 0.7), (4, 0.6)]:
        with torch.no_grad():
            model.weight.fill_(step)
        kept[step] = model.weight.clone()
        sel.offer({"step": step, "val_acc": acc}, f"preds {step}")
    assert (sel.step, sel.kept) == (2, "preds 2")  # the tie at step 3 keeps step 2
    sel.restore()
    assert torch.equal(model.weight, kept[2])
    last = fit.Selection("last", model, n_steps=4)
    for step in (2, 4):
        last.offer({"step": step}, step)
    assert (last.step, last.kept, last.state) == (4, 4, None)  # nothing copied: the final model is it


def test_evaluations_follow_the_schedule_and_record_the_running_loss():
    """Evaluations fall before the steps that are multiples of ``every`` and after the last one; each
    records the mean training loss since the previous one."""
    from w2s_lib.core.losses import get_loss

    head = torch.nn.Linear(3, 2)
    x = torch.randn(10, 3)
    objective = fit.SoftLabels(fit.Features(head, x), torch.full((10, 2), 0.5), get_loss("xent"), torch.device("cpu"))
    seen = []
    evaluation = fit.Evaluation(head, lambda: ({"n": len(seen)}, seen.append(1)), lambda n: 3, lambda s: s / 5)
    cfg = TrainConfig(epochs=4.0, batch_size=5, minibatch_size=5, select="last")
    loop = fit.Loop(list(head.parameters()), [1] * 10, cfg.epochs, torch.device("cpu"), evaluation=evaluation)
    done = fit.fit(cfg, objective, loop)
    assert done.n_steps == 8 and [h["step"] for h in done.history] == [3, 6, 8]
    assert [h["epoch"] for h in done.history] == [0.6, 1.2, 1.6] and done.selected_step == 8
    assert all(h["train_loss"] > 0 for h in done.history)
