"""What every setting's spec is: a notebook's parameters as one typed, checked object that lists its runs.

A spec is a frozen dataclass with three methods, the same in every setting:

* ``Spec.from_params(params, **fixed)``: the spec of a mapping of flat parameters (a notebook's, from its
  preset file); keys that are no field of the spec are the notebook's own (``cache_dir``) and ignored;
* ``spec.runs(root)``: its runs (``core.runs.Run``), in an order where a run comes after those it reads;
  nothing is trained, downloaded or read, so ``w2s plan`` lists them as they are;
* ``spec.run(root)``: run (or load) them through the engine; one row of metrics per run.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping

import pandas as pd

from w2s_lib.core import runs


class Spec:
    """The base of every setting's spec (a frozen dataclass); subclasses implement ``runs``."""

    @classmethod
    def from_params(cls, params: Mapping, **fixed):
        hints = typing.get_type_hints(cls)
        kw = {
            k: v
            for k, v in {**params, **fixed}.items()
            if k in hints and k in {f.name for f in dataclasses.fields(cls)}
        }
        # a preset file's lists become the tuples the fields hold (a frozen spec hashes and compares by value)
        return cls(**{k: runs.tuplify(v) if _holds_tuple(hints[k]) else v for k, v in kw.items()})

    def runs(self, root) -> list[runs.Run]:
        raise NotImplementedError

    def run(self, root, *, progress: bool | None = None) -> pd.DataFrame:
        return runs.run_all(self.runs(root), progress=progress, desc=type(self).__name__)


def _holds_tuple(hint) -> bool:
    """Whether a field's type is a tuple, or a union with one (``tuple[int, ...] | None``)."""
    if hint is tuple or typing.get_origin(hint) is tuple:
        return True
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and any(map(_holds_tuple, typing.get_args(hint)))
