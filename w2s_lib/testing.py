"""What the test suites (tests/ and the notebooks under nbval) share: the offline environment."""

from __future__ import annotations


def offline_env(hf_home: str) -> dict[str, str]:
    """Environment variables for offline, quiet, reproducible test runs (kernels inherit them too)."""
    return dict(
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HOME=hf_home,  # a temporary cache, so nothing leaks in or out of the user's
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
