"""Generative finetuning (paper §5.2.2, Figs. 10, 17, 18): a label-free language-modelling pass on the task's
training texts before a run trains on its labels.

For reward modelling the texts are the prompts with both completions of every training comparison; which
completion was preferred is never read (``corpus`` sorts and deduplicates the texts, so neither the labels
nor the order of a pair can reach the model). The finetuned language model is cached once per (task data,
model, seed, settings) under ``<root>/<task>/genft_*`` and shared by every run that asks for it: the
students, their ceilings (PGR is measured against the correspondingly finetuned ceiling) and, for Fig. 18,
the weak supervisors. Runs then put a fresh head on its backbone (``models.build_classifier``): zeros, or with
``head_init="unembed01"`` (the reward-modelling presets, paper App. A.3) the finetuned model's own unembedding
of the token "1", as a run without the pass starts from the pretrained one's.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from w2s_lib import cache, dist

# what marks a finished generative finetuning (not metrics.json: the folder is not a run of results.collect)
GENFT_FILE = "genft.json"


def corpus(items) -> list[str]:
    """Every text of the items (both texts of a comparison), deduplicated and sorted: no labels, no order."""
    texts = set()
    for it in items:
        txt = it["txt"]
        texts.update(txt if isinstance(txt, (tuple, list)) else [txt])
    return sorted(texts)


def genft_dir(cfg, root) -> Path:
    """Where ``cfg``'s generatively finetuned model lives: it depends on the data, the model, the seed, the
    epochs and the optimisation settings, not on labels, half or loss."""
    key = {
        "data": cfg.data,
        "model": cfg.model,
        "epochs": cfg.genft_epochs,
        "seed": cfg.train.seed,
        "lr": cfg.train.lr,
        "batch_size": cfg.train.batch_size,
        "minibatch_size": cfg.train.minibatch_size,
        "max_len": cfg.train.max_len,
        "optimizer": cfg.train.optimizer,
    }
    name = f"genft_{cache.slug(cfg.model)}_e{cfg.genft_epochs:g}_s{cfg.train.seed}_{cache.config_hash(key)}"
    return Path(root) / cache.slug(cfg.data.task) / name


def finetune_lm(
    lm, tokenizer, texts: list[str], train_cfg, epochs: float, *, device=None, progress: bool | None = None
) -> list[dict]:
    """Next-token loss on ``texts`` (every real token, padding ignored); returns the loss per evaluation.

    A thin wrapper over the training core (``w2s_lib.fit``): the ``NextToken`` objective with every
    token a label. Dropout stays off and batches are never grouped by length whatever ``train_cfg``
    says: the cache key (``genft_dir``) holds neither setting."""
    from w2s_lib import fit
    from w2s_lib.train import tokenize

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
    """The folder of ``cfg``'s generatively finetuned language model, training it first if needed."""
    from w2s_lib.data.splits import prepare_data
    from w2s_lib.models import base_lm, load_tokenizer

    out = genft_dir(cfg, root)
    model_dir = out / "model"
    dist.barrier()
    if (out / GENFT_FILE).exists():
        return model_dir
    if dist.is_main():  # one process finetunes; the others wait and read it
        data = prepare_data(cfg.data)
        texts = corpus(data.A_train + data.A_val + data.B_train + data.B_val)  # never the test set
        tok = load_tokenizer(cfg.model)
        torch.manual_seed(cfg.train.seed)  # the same initial weights as the run's own build_classifier
        lm = base_lm(cfg.model)
        writer = cache.RunWriter(out)
        try:
            t0 = time.time()
            history = finetune_lm(lm, tok, texts, cfg.train, cfg.genft_epochs, progress=progress)
            lm.cpu().save_pretrained(writer.path("model"))
            writer.json("history.json", history)
            writer.json(
                GENFT_FILE,
                {
                    "model": cfg.model,
                    "task": cfg.data.task,
                    "n_texts": len(texts),
                    "epochs": cfg.genft_epochs,
                    "seconds": time.time() - t0,
                    "lm_loss_first": history[0]["lm_loss"],
                    "lm_loss_last": history[-1]["lm_loss"],
                },
            )
            writer.commit()
        except BaseException:
            writer.abort()
            raise
    dist.barrier()
    return model_dir
