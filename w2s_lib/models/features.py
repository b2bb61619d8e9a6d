"""Pooled features of frozen pretrained backbones, kept in memory and on disk.

A linear probe's backbone never changes, so each text's pooled hidden state is computed once per machine:
every probe on the same weights (every seed, loss, supervisor and notebook) reads it from here. A store is
named by ``Classifier.feature_cache_key`` (the weights' source, revision, dtype and pooling) and the torch
release; an entry by a digest of the text's real token ids, so the tokenizer and truncation are part of it.

On disk (``$W2S_FEATURE_CACHE``, default ``~/.cache/w2s/features``; ``off`` keeps features in memory only)
each store is a folder of shards, each written atomically by one process: several processes may fill one
store at once, a killed run loses only its unwritten entries, and an unreadable shard is skipped (its
entries are computed again). Delete the folder to free the space; nothing else refers to it.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

CACHE_ENV = "W2S_FEATURE_CACHE"
MAX_IN_MEMORY = 500_000  # entries per store; beyond it the store starts over (a bound on memory, not a cache policy)
FLUSH_EVERY = 4096  # new entries kept in memory before they are written as a shard


def cache_root() -> Path | None:
    """``$W2S_FEATURE_CACHE`` (``off`` or ``0``: no disk cache), else ``~/.cache/w2s/features``."""
    root = os.environ.get(CACHE_ENV)
    if root is not None and root.strip().lower() in ("off", "0", ""):
        return None
    return Path(root).expanduser() if root else Path.home() / ".cache" / "w2s" / "features"


def digest(ids) -> bytes:
    """The entry name of a text: a 16-byte hash of its token ids."""
    return hashlib.blake2b(np.asarray(ids, dtype=np.int64).tobytes(), digest_size=16).digest()


class FeatureStore:
    """The features of one backbone: ``get`` returns those known (loading the disk shards on first use),
    ``put`` adds fresh ones, written to disk every ``FLUSH_EVERY`` entries, on ``flush`` and at exit."""

    def __init__(self, key: str, root: Path | None):
        self.key = key
        name = hashlib.sha256(f"{key}|torch {torch.__version__}".encode()).hexdigest()[:24]
        self.folder = None if root is None else Path(root) / name
        self._rows: dict[bytes, torch.Tensor] = {}
        self._pending: dict[bytes, torch.Tensor] = {}
        self._loaded = False

    def get(self, keys: list[bytes]) -> list[torch.Tensor | None]:
        self._load()
        return [self._rows.get(k) for k in keys]

    def put(self, keys: list[bytes], values: torch.Tensor) -> None:
        if len(self._rows) + len(keys) > MAX_IN_MEMORY:
            self._rows.clear()
        values = values.detach().cpu()
        for k, v in zip(keys, values):
            self._rows[k] = v
            self._pending[k] = v
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write the entries not yet on disk as one shard (a temp file renamed into place)."""
        if self.folder is None or not self._pending:
            self._pending.clear()
            return
        keys = torch.from_numpy(np.frombuffer(b"".join(self._pending), dtype=np.uint8).reshape(-1, 16).copy())
        values = torch.stack(list(self._pending.values())).contiguous()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "key.txt").write_text(f"{self.key}\ntorch {torch.__version__}\n")
        final = self.folder / f"shard-{time.time_ns()}-{os.getpid()}.pt"
        tmp = final.with_name(f".{final.name}.tmp")
        try:
            torch.save({"keys": keys, "values": values}, tmp)
            os.replace(tmp, final)
        except OSError as e:  # a full or read-only disk costs recomputation, never the run
            tmp.unlink(missing_ok=True)
            print(f"w2s: features not cached on disk ({e})", file=sys.stderr)
        self._pending.clear()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.folder is None or not self.folder.is_dir():
            return
        for shard in sorted(self.folder.glob("shard-*.pt")):
            try:
                part = torch.load(shard, weights_only=True)
                keys, values = part["keys"], part["values"]
            except Exception as e:  # any unreadable shard is recomputed, whatever broke it
                print(f"w2s: skipping unreadable feature shard {shard.name} ({type(e).__name__})", file=sys.stderr)
                continue
            for k, v in zip(keys.numpy(), values):
                self._rows.setdefault(k.tobytes(), v)


_STORES: dict[str, FeatureStore] = {}


def store(key: str) -> FeatureStore:
    """The store of a backbone (one per process and key; the disk location is read at first use)."""
    if key not in _STORES:
        _STORES[key] = FeatureStore(key, cache_root())
    return _STORES[key]


def flush_all() -> None:
    for s in _STORES.values():
        s.flush()


def clear_memory() -> None:
    """Forget the in-memory stores (after writing what is pending); the disk shards stay."""
    flush_all()
    _STORES.clear()


atexit.register(flush_all)
