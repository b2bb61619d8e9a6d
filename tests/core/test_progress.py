import io
import sys

from w2s_lib.core.progress import PROGRESS_ENV, show_progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_follows_the_argument_then_the_variable_then_the_terminal(monkeypatch):
    monkeypatch.setenv(PROGRESS_ENV, "0")
    assert show_progress(True) is True and show_progress() is False
    monkeypatch.setenv(PROGRESS_ENV, "1")
    assert show_progress(False) is False and show_progress() is True
    monkeypatch.delenv(PROGRESS_ENV)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert show_progress() is False  # a pipe or a log file: no bars
    monkeypatch.setattr(sys, "stderr", _Tty())
    assert show_progress() is True
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert show_progress() is True  # a Jupyter kernel draws its own widgets
