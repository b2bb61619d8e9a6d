"""The browser tier (``make test-browser``): JupyterLab and the gallery in a real Chromium, driven by Playwright.

Chromium is the system's (``apt-get install chromium``: ``/usr/bin/chromium``, or ``$W2S_CHROMIUM``); Playwright's
own browser download (``playwright install``) is never used, so the tier runs offline. Without Chromium or the
Playwright package every test here is skipped with one line that says how to get them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("W2S_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# as the machine's own probe starts it: no sandbox (root), and none of Chromium's background connections,
# which a closed network refuses many at a time
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = "no Chromium: apt-get install chromium (the browser tier drives /usr/bin/chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "no Playwright: pip install -e '.[browser]' (make test-browser does)"
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and uncaught exceptions in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(f"console: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(f"pageerror: {e}"))
    yield pg
    context.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 (a free port, a token) in notebooks/, with this environment's settings
    (tools/lab_setup.py) and nothing of the user's: its config, workspaces and runtime in a temporary folder.
    Yields (base URL, token)."""
    tmp = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), "w2s-browser-tier"
    env = dict(os.environ)
    env.pop("W2S_PROGRESS", None)  # the notebook's progress bars are part of what is checked
    env.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures (the suite sets Agg)
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        W2S_RESULTS=str(tmp / "results"),
    )
    # every cell in the page: JupyterLab's default windowing leaves cells out of view undrawn, and the tests
    # read every output (a setting of this server's own settings folder, not the project's or the user's)
    tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT / 'notebooks'}"]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"JupyterLab did not start in 60 s: {(tmp / 'lab.log').read_text()[-2000:]}")
    if proc.poll() is not None:
        pytest.fail(f"JupyterLab exited: {(tmp / 'lab.log').read_text()[-2000:]}")
    yield base, token
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
