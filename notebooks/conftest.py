"""nbval for the jupytext notebooks in this folder: ``pytest --nbval-lax --nbval-current-env notebooks/``.

nbval 0.11 only collects ``*.ipynb``. Here each ``notebooks/*.py`` file that starts with a jupytext header
is collected as a notebook (one test per code cell, run top to bottom in one kernel whose cwd is this
folder), reading the file through ``jupytext.read`` instead of ``nbformat.read``. Without ``--nbval`` or
``--nbval-lax`` this folder collects nothing, and a notebook named on the command line is never imported
as a Python module (which would run it at import time). ``.ipynb`` copies of the notebooks (``make
notebooks``) are ignored, so a notebook is not run twice.

Kernels inherit this process's environment, so the offline settings of ``tests/conftest.py`` and a fresh
``$W2S_RESULTS`` are set at import, and every kernel starts by blocking non-loopback network connections.

Relies on nbval internals (``IPyNbFile.collect`` calls ``nbformat.read``): pyproject pins ``nbval==0.11.*``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from w2s_lib.core.cache import RESULTS_ENV
from w2s_lib.testing import offline_env, quiet_kernels

HERE = Path(__file__).resolve().parent
JUPYTEXT_HEADER = "# ---\n# jupyter:\n"

_HF_HOME = tempfile.mkdtemp(prefix="w2s-nbval-hf-")
atexit.register(shutil.rmtree, _HF_HOME, ignore_errors=True)
os.environ.update(offline_env(_HF_HOME))
os.environ.update(quiet_kernels(os.path.join(_HF_HOME, "ipython")))
# A fresh results folder for each test session: the notebooks put their caches there (cache.results_dir),
# so nbval trains what today's code trains instead of reloading runs that older code cached in results/.
# Parallel workers (pytest -n) share the folder their controller made, so their notebooks share runs.
# $W2S_NBVAL_RESULTS names that folder instead (emptied first, kept after): `make test` passes one so that
# the browser tier's gallery, executed from the same code right after, reuses these runs.
if not (os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(RESULTS_ENV)):
    _KEEP = os.environ.get("W2S_NBVAL_RESULTS")
    if _KEEP:
        shutil.rmtree(_KEEP, ignore_errors=True)
        os.makedirs(_KEEP)
        _RESULTS = os.path.abspath(_KEEP)
    else:
        _RESULTS = tempfile.mkdtemp(prefix="w2s-nbval-results-")
        atexit.register(shutil.rmtree, _RESULTS, ignore_errors=True)
    os.environ[RESULTS_ENV] = _RESULTS

# Run in each kernel before the first cell (in a throwaway namespace): the guard of tests/conftest.py.
KERNEL_NETWORK_GUARD = """
import socket

from w2s_lib.testing import is_local as _is_local

def _guard(real):
    def connect(self, address, *a, **kw):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise RuntimeError(f"notebook test tried to open a network connection to {address!r}")
        return real(self, address, *a, **kw)
    return connect

socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
"""


def is_notebook(path: Path) -> bool:
    """A ``.py`` file in this folder that starts with a jupytext YAML header (not this conftest)."""
    path = Path(path)
    if path.suffix != ".py" or path.name == "conftest.py" or path.resolve().parent != HERE or not path.is_file():
        return False
    with open(path, encoding="utf-8") as f:
        return f.read(len(JUPYTEXT_HEADER)) == JUPYTEXT_HEADER


def _nbval_on(config) -> bool:
    return bool(getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False))


try:
    import nbformat as _nbformat
    from nbval import plugin as _nbval_plugin
except ImportError:  # nbval is a dev dependency; without it there is nothing to collect here
    _nbval_plugin = None


class _JupytextReader:
    """Stands in for the ``nbformat`` module inside nbval's ``collect``: ``read`` goes through jupytext."""

    def __init__(self):
        self.calls = 0

    def read(self, fp, as_version=4, **kw):
        import jupytext

        self.calls += 1
        return jupytext.read(fp, as_version=as_version)

    def __getattr__(self, name):
        return getattr(_nbformat, name)


if _nbval_plugin is not None:

    class JupytextNbFile(_nbval_plugin.IPyNbFile):
        """nbval's notebook collector, for a jupytext percent-format ``.py`` notebook."""

        def collect(self):
            reader = _JupytextReader()
            real, _nbval_plugin.nbformat = _nbval_plugin.nbformat, reader
            try:
                yield from super().collect()
            finally:
                _nbval_plugin.nbformat = real
            if reader.calls != 1:
                raise RuntimeError("nbval's IPyNbFile.collect no longer calls nbformat.read: pin nbval==0.11.*")

        def setup(self):
            super().setup()
            code = f"exec(compile({KERNEL_NETWORK_GUARD!r}, '<w2s-network-guard>', 'exec'), {{}})"
            msg_id = self.kernel.execute_cell_input(code, allow_stdin=False)
            self.kernel.await_reply(msg_id, timeout=60)
            self.kernel.await_idle(msg_id, timeout=60)


class _NotAModule(pytest.File):
    """What pytest gets instead of importing a notebook named on its command line."""

    def collect(self):
        return []


def pytest_collect_file(file_path, parent):
    if _nbval_plugin is not None and _nbval_on(parent.config) and is_notebook(file_path):
        return JupytextNbFile.from_parent(parent, path=file_path)
    return None


def pytest_pycollect_makemodule(module_path, parent):
    if is_notebook(module_path):
        return _NotAModule.from_parent(parent, path=module_path)
    return None


def pytest_ignore_collect(collection_path, config):
    # an .ipynb copy of a .py notebook (make notebooks, or Jupyter's pairing): the .py is the source
    if collection_path.suffix == ".ipynb" and is_notebook(collection_path.with_suffix(".py")):
        return True
    return None
