"""Generative finetuning (paper §5.2.2, Figs. 10, 17, 18): a label-free language-modelling pass on the task's
training texts before a run trains on its labels.

For reward modelling the texts are the prompts with both completions of every training comparison; which
completion was preferred is never read (``corpus`` sorts and deduplicates the texts, so neither the labels
nor the order of a pair can reach the model). The finetuned language model is a run of kind "genft"
(``GenftRun``, cached by ``w2s_lib.core.runs``) once per (task data, model, seed, settings) under
``<root>/<task>/genft_*``, shared by every run that asks for it: the students, their ceilings (PGR is measured
against the correspondingly finetuned ceiling) and, for Fig. 18, the weak supervisors. Runs then put a fresh
head on its backbone (``models.build_classifier``): zeros, or with ``head_init="unembed01"`` (the
reward-modelling presets, paper App. A.3) the finetuned model's own unembedding of the token "1", as a run
without the pass starts from the pretrained one's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from w2s_lib.core import cache, runs
from w2s_lib.core.train_config import TrainConfig
from w2s_lib.data.splits import DataConfig, prepare_data


def corpus(items) -> list[str]:
    """Every text of the items (both texts of a comparison), deduplicated and sorted: no labels, no order."""
    texts = set()
    for it in items:
        txt = it["txt"]
        texts.update(txt if isinstance(txt, (tuple, list)) else [txt])
    return sorted(texts)


@dataclass(frozen=True)
class GenftConfig:
    """What a generative finetuning depends on: the task's data, the model, the epochs and the optimisation
    settings of ``train`` (the requesting run's, with only the fields the pass reads), not labels, half or loss."""

    data: DataConfig
    model: str
    epochs: float
    train: TrainConfig


def genft_config(cfg) -> GenftConfig:
    """The generative finetuning that the run ``cfg`` (a ``protocol.RunConfig``) starts from."""
    tr = cfg.train
    read = ("lr", "batch_size", "minibatch_size", "max_len", "optimizer", "lr_schedule", "warmup_frac")
    train = TrainConfig(**{f: getattr(tr, f) for f in (*read, "weight_decay", "seed")})
    return GenftConfig(cfg.data, cfg.model, cfg.genft_epochs, train)


class GenftRun(runs.Run):
    """A generatively finetuned language model, computed by the main process and read by every run that
    asks for it (``protocol.NlpRun`` lists it among its dependencies)."""

    kind = "genft"
    config_type = GenftConfig

    @property
    def folder(self) -> Path:
        c = self.config
        name = f"genft_{cache.slug(c.model)}_e{c.epochs:g}_s{c.train.seed}_{runs.key_hash('genft', c)}"
        return self.root / cache.slug(c.data.task) / name

    def fingerprint(self) -> str:
        return prepare_data(self.config.data).fingerprint

    def compute(self, writer: cache.RunWriter, progress) -> dict:
        from w2s_lib.models.loading import base_lm, load_tokenizer

        c = self.config
        data = prepare_data(c.data)
        texts = corpus(data.A_train + data.A_val + data.B_train + data.B_val)  # never the test set
        tok = load_tokenizer(c.model)
        torch.manual_seed(c.train.seed)  # the same initial weights as the run's own build_classifier
        lm = base_lm(c.model)
        t0 = time.time()
        history = finetune_lm(lm, tok, texts, c.train, c.epochs, progress=progress)
        lm.cpu().save_pretrained(writer.path("model"))
        writer.json("history.json", history)
        return {
            "setting": "genft",
            "model": c.model,
            "task": c.data.task,
            "n_texts": len(texts),
            "epochs": c.epochs,
            "seconds": time.time() - t0,
            "lm_loss_first": history[0]["lm_loss"],
            "lm_loss_last": history[-1]["lm_loss"],
        }


def genft_dir(cfg, root) -> Path:
    """Where the run ``cfg``'s generatively finetuned model lives (its ``model`` folder holds the weights)."""
    return GenftRun(genft_config(cfg), root).folder


def finetune_lm(
    lm, tokenizer, texts: list[str], train_cfg, epochs: float, *, device=None, progress: bool | None = None
) -> list[dict]:
    """Next-token loss on ``texts`` (every real token, padding ignored); returns the loss per evaluation.

    A thin wrapper over the training core (``w2s_lib.core.fit``): the ``NextToken`` objective with every
    token a label. Dropout stays off and batches are never grouped by length whatever ``train_cfg``
    says: the cache key (``genft_dir``) holds neither setting."""
    from w2s_lib.core import fit
    from w2s_lib.nlp.train import tokenize

    device = fit.pick_device(device)
    fit.setup(lm, device, dropout=False)
    seqs = tokenize(tokenizer, texts, train_cfg.max_len)
    objective = fit.NextToken(lm, [(s, s) for s in seqs], tokenizer.pad_token_id, device)
    loop = fit.Loop(
        params=[p for p in lm.parameters() if p.requires_grad],
        lengths=[len(s) for s in seqs],
        epochs=epochs,
        device=device,
        log_key="lm_loss",
        desc="generative finetuning",
        progress=progress,
    )
    return fit.fit(train_cfg, objective, loop).history


def ensure_genft(cfg, root, *, progress: bool | None = None) -> Path:
    """The model folder of the run ``cfg``'s generatively finetuned language model, training it first if needed."""
    run = GenftRun(genft_config(cfg), root)
    runs.run_or_load(run, progress=progress)
    return run.folder / "model"
