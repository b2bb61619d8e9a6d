"""When the library draws progress bars: the one rule every training, prediction and extraction loop uses."""

from __future__ import annotations

import os
import sys

PROGRESS_ENV = "W2S_PROGRESS"


def show_progress(progress: bool | None = None) -> bool:
    """``progress`` when given; else ``$W2S_PROGRESS`` ("0" off, anything else on) when set; else on only
    for a terminal or a Jupyter kernel, so that logs, pipes and CI output carry no bars."""
    if progress is not None:
        return progress
    env = os.environ.get(PROGRESS_ENV)
    if env is not None:
        return env != "0"
    return sys.stderr.isatty() or "ipykernel" in sys.modules
