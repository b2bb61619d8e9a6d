"""What the ``w2s`` commands share: ``UsageError`` and the parser that raises it (one line on stderr, exit
status 2, before anything is written), the flag types, the checks that run a setting's dataclass and name the
flag in its error, and the ``--preset``/``--params`` settings of ``w2s preflight`` and ``w2s plan``."""

from __future__ import annotations

import argparse
from pathlib import Path

from w2s_lib.cli.presets import PRESETS
from w2s_lib.cli.presets import load as load_preset


class UsageError(Exception):
    """Bad input: reported in one line with exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise UsageError(message)


def choices(kind: str, values, valid) -> None:
    for v in values:
        if v not in valid:
            raise UsageError(f"unknown {kind} {v!r}; valid: {', '.join(valid)}")


def csv(s: str) -> list[str]:
    return [x for x in s.split(",") if x]


def ints(s: str) -> list[int]:
    try:
        return [int(x) for x in csv(s)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None


# TrainConfig / DataConfig field -> the command-line flag that sets it, for their error messages
_FIELDS = "epochs batch_size minibatch_size max_len lr n_train n_test n_pool alpha_max image_size num_classes"
_FLAGS = {k: f"--{k.replace('_', '-')}" for k in _FIELDS.split()}


def usage(e: ValueError) -> UsageError:
    """A dataclass's ValueError as the CLI's one-line usage error, naming the flag where there is one."""
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    name, _, rest = msg.partition(" ")
    named = name in _FLAGS and (rest.startswith("must ") or rest.startswith("("))
    return UsageError(f"{_FLAGS[name]} {rest}" if named else msg)


def check_settings(task: str, n_train, n_test, train_kw: dict) -> None:
    """Build the DataConfig and TrainConfig these settings make, so their checks run before any work."""
    # numpy and torch: keeps --help fast
    from w2s_lib.data.splits import DataConfig
    from w2s_lib.nlp.train import TrainConfig

    try:
        DataConfig(task, n_train=n_train, n_test=n_test)
        TrainConfig(**train_kw)
    except ValueError as e:
        raise usage(e) from None


def check_loss(name: str, **kw) -> None:
    from w2s_lib.core.losses import get_loss  # torch: keeps --help fast

    try:
        get_loss(name, **kw)
    except ValueError as e:
        raise usage(e) from None


def check_models(names) -> None:
    """Presets, local folders or Hub ids (owner/name), each optionally MODEL@REVISION."""
    from w2s_lib.models.loading import check_model_name  # torch: keeps --help fast

    for m in names:
        try:
            check_model_name(m)
        except ValueError as e:
            raise UsageError(str(e)) from None


def preflight_settings(a) -> dict:
    """The settings of ``--preset`` (a sweep preset) or ``--params`` (a notebook's preset file): exactly one."""
    if (a.preset is None) == (a.params is None):
        raise UsageError(f"give one of --preset ({', '.join(PRESETS)}) or --params FILE")
    if a.preset is not None:
        choices("preset", [a.preset], list(PRESETS))
        return load_preset(a.preset)
    import yaml  # ~12 ms to import: keeps --help fast

    try:
        settings = yaml.safe_load(Path(a.params).read_text())
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read --params {a.params!r}: {str(e).splitlines()[0]}") from None
    if not isinstance(settings, dict):
        raise UsageError(f"--params {a.params!r} is not a mapping of settings")
    return settings
