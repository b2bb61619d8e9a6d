import os

import pytest

from w2s_lib.core import cache


def _writer(final, value):
    w = cache.RunWriter(final)
    w.json(cache.METRICS_FILE, {"value": value})
    return w


def test_a_run_published_between_the_check_and_the_rename_stands(tmp_path, monkeypatch):
    """Two processes finishing the same run: the second's rename fails on the first's folder, and the
    first result stands instead of an error (parallel test workers, two sweeps into one folder)."""
    final = tmp_path / "run"
    mine = _writer(final, "second")
    theirs = cache.RunWriter(final)
    theirs.tmp = tmp_path / ".tmp-other-host-1-run"  # the other process's own temporary folder
    theirs.tmp.mkdir()
    theirs.json(cache.METRICS_FILE, {"value": "first"})
    real_replace = os.replace

    def publish_theirs_first(src, dst):  # the other process wins the race inside commit
        if not final.exists():
            real_replace(theirs.tmp, final)
        return real_replace(src, dst)

    monkeypatch.setattr(cache.os, "replace", publish_theirs_first)
    assert mine.commit() == final
    assert cache.read_json(final / cache.METRICS_FILE) == {"value": "first"}
    assert not mine.tmp.exists()


def test_a_failed_rename_without_a_finished_run_still_raises(tmp_path, monkeypatch):
    w = _writer(tmp_path / "run", 1)

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(cache.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        w.commit()
