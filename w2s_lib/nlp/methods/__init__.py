"""Weak-to-strong methods as plug-ins: each is one small definition, registered by name, that ``w2s compare``
runs on the same supervisors' labels, tasks and seeds as naive training.

A **method** (``Method``) turns a naive student's run (``nlp.protocol.RunConfig``: cross-entropy on the
supervisor's soft labels, selected on weak-labelled validation data) into its own. It changes one of:

* the **loss** (``TrainConfig.loss``): the paper's confidence loss, an entropy penalty, ...; a loss only this
  comparison uses lives in the method's file and enters ``core.losses`` with ``register_loss``;
* the **labels** (``RunConfig.transform``): a rule registered here with ``register_transform`` that relabels,
  filters or combines the weak labels before the student sees them (``LabelContext`` is what it reads);
* the **schedule**: bootstrapping through an intermediate model, the checkpoint kept, self-training.

Every method's hyperparameters are fixed in its file and recorded in the runs it makes (``loss_kw``,
``transform_kw``), so they are in each run's cache key. ``METHODS`` is the registry: adding a method is one
file and one name in the imports of this file (docs/methods.md shows how, with the entropy penalty).

This package imports no other part of ``w2s_lib.nlp``: the protocol reads its rules, so a method reaches a run
only through the ``RunConfig`` it is given and the ``Ladder`` ``w2s compare`` builds (``nlp.compare``).
"""

from __future__ import annotations

# The files that register methods (``pick`` lists naive first, then these files' in order); a new method's
# file is one more name here.
from w2s_lib.nlp.methods import (  # noqa: F401
    entropy,
    kl,
    labels,
    paper,
    probes,
    window,
)
from w2s_lib.nlp.methods.base import (  # noqa: F401 (the package's interface)
    KINDS,
    METHODS,
    TRANSFORMS,
    LabelContext,
    Ladder,
    Method,
    NotApplicable,
    apply_transform,
    check_transform,
    names,
    pick,
    register,
    register_transform,
    train_with,
    unregister,
    with_transform,
)
