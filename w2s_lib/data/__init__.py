"""Tasks: the registry ``TASKS`` (``data.registry``), what a task is (``data.spec``), loading and splitting
(``data.load``, ``data.splits``)."""

from w2s_lib.data.load import load_items, split_halves
from w2s_lib.data.registry import TASKS
from w2s_lib.data.spec import TaskSpec

__all__ = ["TASKS", "TaskSpec", "load_items", "split_halves"]
