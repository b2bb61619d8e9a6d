"""Test-wide guards: offline Hugging Face, a temporary HF_HOME, no network sockets, quiet progress bars."""

from __future__ import annotations

import os
import socket
import tempfile

import pytest

_HF_HOME = tempfile.mkdtemp(prefix="w2s-test-hf-")
# Set before any test module imports transformers/datasets, which read these at import time.
os.environ.update(
    HF_HUB_OFFLINE="1",
    HF_DATASETS_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
    HF_HOME=_HF_HOME,
    HF_HUB_DISABLE_TELEMETRY="1",
    W2S_PROGRESS="0",
    MPLBACKEND="Agg",
    TOKENIZERS_PARALLELISM="false",
    # Tiny models run faster on one thread than two, and subprocesses (CLI tests) inherit this.
    OMP_NUM_THREADS="1",
)


class NetworkAccessError(RuntimeError):
    pass


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    return host in ("localhost", "::1") or str(host).startswith("127.")


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Fail any test that opens a network connection (loopback, used by notebook kernels, is allowed)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(self, address, *a, **kw):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
        return real_connect(self, address, *a, **kw)

    def guarded_ex(self, address, *a, **kw):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
        return real_connect_ex(self, address, *a, **kw)

    socket.socket.connect, socket.socket.connect_ex = guarded, guarded_ex
    yield
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex


@pytest.fixture(scope="session")
def tiny_tok():
    from w2s_lib.models import tiny_tokenizer

    return tiny_tokenizer()
