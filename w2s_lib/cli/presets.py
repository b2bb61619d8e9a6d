"""The settings each ``w2s sweep --preset`` starts from (``w2s preflight`` and ``w2s plan`` read them too).

The paper's sweeps are notebooks' runs, so their settings are read from those notebooks' preset files, with
what each notebook fixes in code (its losses: ``nlp.spec.NOTEBOOK_SPECS``): ``paper`` is Fig. 5's (the
paper's NLP protocol on open models: GPT-2 family, the 22 tasks, both losses) and ``rm-paper`` Fig. 3's
reward models (hh-rlhf standing in for the paper's private ChatGPT comparisons). The two tiny offline
sweeps are the command's own and belong to no notebook, so they are written here.
"""

from __future__ import annotations

from pathlib import Path

PARAMS = Path(__file__).resolve().parents[2] / "params"

# The tiny offline sweeps: random-init GPT-2s on a generated task, CPU, a couple of minutes. Batch 16 and 4
# epochs give the from-scratch models enough steps to get past their initial plateau.
SMOKE = dict(
    tasks=["synth_sentiment"],
    models=["tiny-1", "tiny-2", "tiny-3"],
    losses=["xent", "logconf"],
    seeds=[0],
    n_train=4000,
    n_test=500,
    epochs=4.0,
    batch_size=16,
    minibatch_size=16,
    max_len=32,
)
# Reward modelling's (pairwise reward models on generated comparisons), keeping the final model as the paper.
RM_SMOKE = dict(SMOKE, tasks=["synth_prefs"], losses=["xent"], n_train=2000, n_test=400, select="last")

# name -> the settings themselves, or the notebook whose paper preset file holds them
PRESETS: dict[str, dict | str] = {
    "smoke": SMOKE,
    "paper": "fig05_confidence_loss",
    "rm-smoke": RM_SMOKE,
    "rm-paper": "fig03_rm_naive_scaling",
}


def load(name: str) -> dict:
    """The settings of preset ``name`` (a key of ``PRESETS``), task lists spelt out."""
    preset = PRESETS[name]
    if isinstance(preset, dict):
        return dict(preset)
    # yaml, the task registry, the specs (torch): only when a paper preset is asked for
    import yaml

    from w2s_lib.data.registry import task_list
    from w2s_lib.specs import notebook_specs

    settings = yaml.safe_load((PARAMS / "paper" / f"{preset}.yaml").read_text())
    settings |= {k: list(v) for k, v in notebook_specs()[preset].keywords.items()}  # what the notebook fixes
    return {**settings, "tasks": task_list(settings["tasks"])}
