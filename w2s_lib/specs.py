"""Every notebook's spec, by the notebook's name: each setting's ``spec`` module lists its notebooks in
``NOTEBOOK_SPECS`` (name -> a function of the notebook's parameters that returns its ``core.spec.Spec``), and
this module gathers them. A notebook builds its spec with ``notebook_spec(NAME, globals())``; ``w2s plan``
with the same function and the notebook's preset file, so both see one list of runs."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from w2s_lib.core.spec import Spec

# The settings' spec modules, imported when asked for (chess and vision need none of NLP's imports).
SPEC_MODULES = (
    "w2s_lib.nlp.spec",
    "w2s_lib.nlp.variant_specs",
    "w2s_lib.nlp.analysis_specs",
    "w2s_lib.nlp.compare",
    "w2s_lib.chess.spec",
    "w2s_lib.vision.spec",
)


def notebook_specs() -> dict[str, Callable[[Mapping], Spec]]:
    """Every notebook that has a spec, by name."""
    out = {}
    for module in SPEC_MODULES:
        try:
            out.update(importlib.import_module(module).NOTEBOOK_SPECS)
        except ModuleNotFoundError as e:
            if e.name != module:  # a setting without a spec module yet has no notebooks here
                raise
    return out


def notebook_spec(name: str, params: Mapping) -> Spec:
    """The spec of notebook ``name`` run with ``params`` (its parameters; in the notebook, ``globals()``)."""
    specs = notebook_specs()
    if name not in specs:
        raise ValueError(f"notebook {name!r} has no spec; those that have: {', '.join(sorted(specs))}")
    return specs[name](params)
