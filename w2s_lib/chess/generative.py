"""Generative training and scoring for chess (paper App. A.2): next-token loss on the answer move only,
greedy decoding, exact match of the first move.

A training example is ``ctx + target + eos``. Only the target's tokens and the eos are predicted: the
transcript is context, so its tokens get label -100 (``encode``). The eos teaches the model where a move
ends, so greedy decoding stops by itself. Scoring (``greedy_moves``) decodes greedily from the
left-padded transcripts and keeps the first whitespace-separated word: the predicted move.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from w2s_lib.core import fit
from w2s_lib.core.fit import IGNORE
from w2s_lib.core.progress import show_progress


def encode(tokenizer, ctx: str, target: str, max_len: int) -> tuple[list[int], list[int]]:
    """(input ids, labels) of one example: labels are -100 on the transcript and on nothing else.

    A transcript too long for ``max_len`` loses its beginning (the end holds the position); the target
    is never cut.
    """
    c = tokenizer(ctx, add_special_tokens=False)["input_ids"]
    t = tokenizer(target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    if len(t) >= max_len:
        raise ValueError(f"max_len {max_len} leaves no room for the transcript of a {len(t)}-token answer")
    c = c[len(c) - (max_len - len(t)) :] if len(c) + len(t) > max_len else c
    return c + t, [IGNORE] * len(c) + t


# the masked next-token loss is the training core's (genft trains with every token a label)
_collate = fit.collate_labelled
target_loss = fit.target_loss


def train_generative(
    lm,
    tokenizer,
    ctxs: list[str],
    targets: list[str],
    train_cfg,
    *,
    device=None,
    progress: bool | None = None,
    desc: str = "train",
) -> dict:
    """Train ``lm`` on (transcript, move) pairs for ``train_cfg.epochs`` with Adam and its schedule; no
    early stopping (the paper's chess runs: 5 epochs, batch 32). Returns the loss history and timing.

    A thin wrapper over the training core (``w2s_lib.core.fit``): the ``NextToken`` objective on ``encode``'s
    labels. Dropout stays off and batches are not grouped by length, as in every chess run so far."""
    t0 = time.time()
    device = fit.pick_device(device)
    fit.setup(lm, device, dropout=False)
    examples = [encode(tokenizer, c, t, train_cfg.max_len) for c, t in zip(ctxs, targets)]
    loop = fit.Loop(
        params=[p for p in lm.parameters() if p.requires_grad],
        lengths=[len(x) for x, _ in examples],
        epochs=train_cfg.epochs,
        device=device,
        log_key="loss",
        desc=desc,
        progress=progress,
    )
    done = fit.fit(train_cfg, fit.NextToken(lm, examples, tokenizer.pad_token_id, device), loop)
    return {"history": done.history, "n_steps": done.n_steps, "seconds": time.time() - t0}


def first_move(text: str) -> str:
    """The first whitespace-separated word of a decoded continuation ('' if none)."""
    words = text.split()
    return words[0] if words else ""


@torch.inference_mode()
def greedy_moves(
    lm,
    tokenizer,
    ctxs: list[str],
    *,
    max_len: int,
    max_new_tokens: int = 8,
    batch_size: int = 64,
    device=None,
    progress: bool | None = None,
    desc: str = "decode",
) -> list[str]:
    """The first move of each transcript's greedy (T = 0) continuation.

    Transcripts are left-padded, longest first; generate() derives positions from the attention mask,
    so a transcript gets the same move alone or in any batch (tests/chess/test_chess.py checks this).
    """
    from tqdm.auto import tqdm

    device = device or next(lm.parameters()).device
    lm.eval()
    enc = [tokenizer(c, add_special_tokens=False)["input_ids"][-(max_len - max_new_tokens) :] for c in ctxs]
    order = np.argsort([-len(e) for e in enc], kind="stable")
    out = [""] * len(ctxs)
    show = show_progress(progress)
    for start in tqdm(range(0, len(order), batch_size), desc=desc, leave=False, disable=not show):
        idx = order[start : start + batch_size]
        width = max(len(enc[i]) for i in idx)
        ids = torch.full((len(idx), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for r, i in enumerate(idx):
            ids[r, width - len(enc[i]) :], mask[r, width - len(enc[i]) :] = torch.tensor(enc[i]), 1
        with fit.autocast(torch.device(device)):
            gen = lm.generate(
                input_ids=ids.to(device),
                attention_mask=mask.to(device),
                do_sample=False,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        for r, i in enumerate(idx):
            out[i] = first_move(tokenizer.decode(gen[r, width:], skip_special_tokens=True))
    return out


def exact_match(pred: list[str], targets: list[str]) -> np.ndarray:
    """1.0 where the predicted first move equals the target move (spaces ignored), else 0.0."""
    return np.array([p.strip() == t.strip() for p, t in zip(pred, targets)], dtype=np.float32)
