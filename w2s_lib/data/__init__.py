"""Tasks: the registry ``TASKS`` (Hub tasks of the paper, preference comparisons, offline synthetic tasks)."""

from w2s_lib.data.hub_tasks import HUB_TASKS
from w2s_lib.data.preferences import PREFERENCE_TASKS
from w2s_lib.data.registry import TaskSpec
from w2s_lib.data.sandbox import SANDBOX_TASKS
from w2s_lib.data.synthetic import SYNTHETIC_TASKS
from w2s_lib.data.vader import VADER_TASKS

TASKS: dict[str, TaskSpec] = {**HUB_TASKS, **SYNTHETIC_TASKS, **SANDBOX_TASKS, **VADER_TASKS, **PREFERENCE_TASKS}

from w2s_lib.data.load import load_items, split_halves

__all__ = ["TASKS", "TaskSpec", "load_items", "split_halves"]
