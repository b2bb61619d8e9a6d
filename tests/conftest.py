"""Test-wide guards: offline Hugging Face, a temporary HF_HOME, no network sockets, quiet progress bars."""

from __future__ import annotations

import os
import socket
import tempfile

import pytest

from w2s_lib.testing import is_local, offline_env, quiet_kernels

_HF_HOME = tempfile.mkdtemp(prefix="w2s-test-hf-")
# Set before any test module imports transformers/datasets, which read these at import time.
os.environ.update(offline_env(_HF_HOME))
os.environ.update(quiet_kernels(os.path.join(_HF_HOME, "ipython")))


class NetworkAccessError(RuntimeError):
    pass


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Fail any test that opens a network connection (loopback, used by notebook kernels, is allowed)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(self, address, *a, **kw):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
            raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
        return real_connect(self, address, *a, **kw)

    def guarded_ex(self, address, *a, **kw):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
            raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
        return real_connect_ex(self, address, *a, **kw)

    socket.socket.connect, socket.socket.connect_ex = guarded, guarded_ex
    yield
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex


@pytest.fixture(scope="session")
def tiny_tok():
    from w2s_lib.models.tokenizers import tiny_tokenizer

    return tiny_tokenizer()


@pytest.fixture(scope="session")
def hub_root(tmp_path_factory):
    """Every Hub repository the tasks read, rebuilt on disk once per test process (tests/support/hub_layouts.py)."""
    from tests.support.hub_layouts import build_all

    return build_all(tmp_path_factory.mktemp("hub"))


@pytest.fixture
def hub(monkeypatch, hub_root):
    """``datasets.load_dataset`` of Hub ids reads ``hub_root``'s branches; the calls it saw, for assertions."""
    from tests.support.hub_layouts import route_hub

    return route_hub(monkeypatch, hub_root)
