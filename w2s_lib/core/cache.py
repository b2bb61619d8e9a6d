"""The results cache: one folder per run, named readably plus a short hash of the full config.

A run is *finished* when its folder exists; folders appear only by an atomic rename of a complete
temporary folder, so an interrupted run leaves at most a ``.tmp-*`` folder, which is never read and is
removed by the next run of the same config (or any later sweep) once its owner process is gone.
Everything is JSON or Parquet: no pickle.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import socket
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
# When set, the notebooks' results caches live under it instead of where their cache_dir says: the test
# suites point it at a fresh folder, so that every test run trains what today's code trains.
RESULTS_ENV = "W2S_RESULTS"


def results_dir(cache_dir: str | os.PathLike) -> Path:
    """``cache_dir``, or ``$W2S_RESULTS/<its last folder>`` when that variable is set (``../results/nlp``
    becomes ``$W2S_RESULTS/nlp``, so notebooks that share a cache still share it)."""
    root = os.environ.get(RESULTS_ENV)
    return Path(root) / Path(cache_dir).name if root else Path(cache_dir)


def slug(s: str) -> str:
    """``s`` as one folder name: runs of characters other than letters, digits and ``._-`` become ``--``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "--", s)


def config_dict(cfg) -> dict:
    return dataclasses.asdict(cfg)


def non_default(obj):
    """The dataclass as a dict without fields left at their defaults, recursively.

    Hashing this instead of every field means that adding a new option with a default later keeps
    the hashes, and so the cached results, of every existing run.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.default is not dataclasses.MISSING and value == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and value == f.default_factory():
                continue
            out[f.name] = non_default(value)
        return out
    if isinstance(obj, (list, tuple)):
        return [non_default(v) for v in obj]
    return obj


def digest(obj) -> str:
    """The library's one short hash: of ``obj``'s JSON (keys sorted), 10 hex digits. Run folders
    (``runs.key_hash``) and feature files (``config_hash``) are named by it."""
    blob = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def config_hash(cfg) -> str:
    """The digest of a config's fields that are not at their defaults (a new option keeps old names)."""
    return digest(non_default(cfg))


def jsonable(obj):
    """Plain JSON types: DataFrames become records, numpy scalars Python ones, NaN/inf null."""
    if isinstance(obj, pd.DataFrame):
        return jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, pd.Series):
        return jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def atomic_write(path: Path, write) -> None:
    """Call ``write(binary_file)`` on a temp file in the same folder, then rename it into place:
    readers never see half a file, and a failed write leaves nothing behind."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, obj, *, sort_keys: bool = True) -> None:
    """Write JSON atomically; NaN and inf become null."""
    text = json.dumps(jsonable(obj), indent=1, sort_keys=sort_keys, allow_nan=False, ensure_ascii=False) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def read_json(path: Path):
    return json.loads(Path(path).read_text())


def _tmp_prefix() -> str:
    return f".tmp-{socket.gethostname()}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_tmp(root: Path) -> list[Path]:
    """Remove temporary run folders under ``root`` left by dead processes of this host."""
    removed = []
    if not Path(root).exists():
        return removed
    prefix = _tmp_prefix()
    for tmp in Path(root).rglob(".tmp-*"):
        if not tmp.is_dir() or not tmp.name.startswith(prefix):
            continue
        try:
            pid = int(tmp.name[len(prefix) :].split("-", 1)[0])
        except ValueError:
            continue
        if not _pid_alive(pid) or pid == os.getpid():
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


class RunWriter:
    """Collects a run's files in a temporary folder and publishes them with one atomic rename."""

    def __init__(self, final: Path):
        self.final = Path(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.parent / f"{_tmp_prefix()}{os.getpid()}-{self.final.name}"
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()

    def json(self, name: str, obj) -> None:
        write_json(self.tmp / name, obj)

    def parquet(self, name: str, df: pd.DataFrame) -> None:
        df.to_parquet(self.tmp / name, index=False)

    def path(self, name: str) -> Path:
        return self.tmp / name

    def commit(self, force: bool = False) -> Path:
        if self.final.exists():
            if not force:
                shutil.rmtree(self.tmp)
                return self.final
            # keep the old result until the new one is complete, then swap
            old = self.final.parent / f"{_tmp_prefix()}{os.getpid()}-old-{self.final.name}"
            os.replace(self.final, old)
            os.replace(self.tmp, self.final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.replace(self.tmp, self.final)
            except OSError:
                # another process (a parallel test worker, a second sweep) published the same run between
                # the check above and the rename: its result stands, as when it finished first
                if not is_finished(self.final):
                    raise
                shutil.rmtree(self.tmp)
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def is_finished(run_dir: Path) -> bool:
    return (Path(run_dir) / METRICS_FILE).exists() and not Path(run_dir).name.startswith(".tmp-")


def iter_runs(root: Path):
    """Finished run folders under ``root`` (any depth), in sorted order."""
    for metrics in sorted(Path(root).rglob(METRICS_FILE)):
        if not any(part.startswith(".tmp-") for part in metrics.relative_to(root).parts):
            yield metrics.parent
