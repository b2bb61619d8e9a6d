"""What the test suites (tests/ and the notebooks under nbval) share: the offline environment."""

from __future__ import annotations

import os
from pathlib import Path


def offline_env(hf_home: str) -> dict[str, str]:
    """Environment variables for offline, quiet, reproducible test runs (kernels inherit them too)."""
    return dict(
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HOME=hf_home,  # a temporary cache, so nothing leaks in or out of the user's
        W2S_FEATURE_CACHE=os.path.join(hf_home, "w2s-features"),  # the same for probes' features
        HF_HUB_DISABLE_TELEMETRY="1",
        W2S_PROGRESS="0",
        MPLBACKEND="Agg",
        TOKENIZERS_PARALLELISM="false",
        # Tiny models run faster on one thread than two, and subprocesses inherit this.
        OMP_NUM_THREADS="1",
    )


def is_local(address) -> bool:
    """Whether a socket address is on this machine (unix sockets and loopback, which kernels use)."""
    if isinstance(address, (str, bytes)):
        return True
    host = address[0] if isinstance(address, tuple) else address
    return host in ("localhost", "::1") or str(host).startswith("127.")


def quiet_kernels(ipython_dir: str) -> dict[str, str]:
    """Environment for Jupyter kernels that log only critical messages: an IPython profile under
    ``ipython_dir`` whose kernel config sets the log level. Otherwise every kernel that nbval or papermill
    starts warns that it runs over TCP without encryption (it listens on loopback only) and logs an error
    when it is interrupted at shutdown, and a test log is mostly those lines. Cell errors still arrive as
    the cells' outputs."""
    profile = Path(ipython_dir) / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text('c.IPKernelApp.log_level = "CRITICAL"\n')
    return {"IPYTHONDIR": str(ipython_dir)}
