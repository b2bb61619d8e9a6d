"""Several processes training one run: Hugging Face ``accelerate`` for DDP and FSDP.

Launched with ``accelerate launch`` (or ``torchrun``), every process runs the same sweep: each run is
trained by all processes together, each one taking its share of every global batch, and only the main
process writes the results. Without a launcher (``WORLD_SIZE`` unset) nothing here imports
``accelerate`` and every helper is the identity, so single-device runs keep their exact numbers.

Why these helpers and not ``accelerator.prepare(dataloader)``: our batches come from
``train.index_batches`` (seeded, optionally length-grouped) and the confidence loss needs the whole
global batch's predictions, so the global batch is formed first and then split here.
"""

from __future__ import annotations

import functools
import os
from contextlib import nullcontext

import numpy as np
import torch


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_distributed() -> bool:
    return world_size() > 1


@functools.cache
def accelerator():
    """The process's one ``Accelerator``; its launch settings (FSDP plugin, ...) come from the launcher."""
    from accelerate import Accelerator

    # cpu=True on machines without CUDA makes a multi-process launch use gloo (a CPU DDP run).
    return Accelerator(cpu=not torch.cuda.is_available())


def rank() -> int:
    return accelerator().process_index if is_distributed() else 0


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    if is_distributed():
        accelerator().wait_for_everyone()


def device(default: torch.device) -> torch.device:
    return accelerator().device if is_distributed() else default


def is_fsdp() -> bool:
    return is_distributed() and accelerator().distributed_type.name == "FSDP"


def prepare_model(model):
    """DDP/FSDP-wrap ``model`` (unchanged in a single process)."""
    return accelerator().prepare_model(model) if is_distributed() else model


def unwrap(model):
    return accelerator().unwrap_model(model) if is_distributed() else model


def backward(loss: torch.Tensor) -> None:
    if is_distributed():
        accelerator().backward(loss)
    else:
        loss.backward()


def no_sync(model, last: bool):
    """Skip the gradient all-reduce on all but the last minibatch of a step (gradient accumulation)."""
    return nullcontext() if last or not is_distributed() else accelerator().no_sync(model)


def local_part(batch: list[int]) -> tuple[list[int], int]:
    """This process's contiguous share of a global batch, padded to the same length on every process.

    Returns (indices, n_real): padded positions repeat the share's first index (or the batch's) and
    get zero weight, so every process runs the same number of forward/backward passes (DDP needs it)
    even when a length-grouped batch is not a multiple of the world size.
    """
    w, r = world_size(), rank()
    if w == 1:
        return list(batch), len(batch)
    size = -(-len(batch) // w)
    mine = list(batch[r * size : (r + 1) * size])
    n_real = len(mine)
    padding = [(mine or batch)[0]] * (size - n_real) if size > n_real else []
    return mine + padding, n_real


def gather_rows(x: torch.Tensor, n_real: int, total: int) -> torch.Tensor:
    """All processes' ``x[:n_real]`` concatenated in process order (``total`` rows in all)."""
    if not is_distributed():
        return x[:n_real]
    from accelerate.utils import gather

    everything = gather(x.contiguous())  # [world * size, ...], padded rows included
    size = x.shape[0]
    # padded rows come last in each share; shares are full except the last ones
    counts = [min(size, max(0, total - p * size)) for p in range(world_size())]
    keep = torch.cat([torch.arange(p * size, p * size + c) for p, c in enumerate(counts)])
    assert keep.numel() == total
    return everything[keep.to(everything.device)]


def reduce_sum(x: float) -> float:
    if not is_distributed():
        return x
    return float(accelerator().reduce(torch.tensor([x], device=accelerator().device), "sum").item())


def gather_array(a: np.ndarray, n_real: int, total: int) -> np.ndarray:
    """Every process's ``a[:n_real]`` concatenated in process order (``total`` rows; see local_part)."""
    if not is_distributed():
        return a[:n_real]
    from accelerate.utils import gather_object

    out = np.concatenate(gather_object([a[:n_real]]), axis=0)
    assert len(out) == total
    return out
