#!/usr/bin/env python
"""Run test tiers in order and end with a one-screen summary: python tools/run_tests.py TIER [TIER ...].

Tiers (the table in CONTRIBUTING.md says what belongs where):

- ``lint``: ruff check and ruff format --check over the repository;
- ``fast``: the tests not marked ``slow`` (unit tests and the static notebook checks), under 90 s;
- ``tests``: every test under tests/, slow ones included;
- ``notebooks``: every notebook at its smoke defaults under nbval, against a fresh results folder
  (notebooks/conftest.py sets $W2S_RESULTS), so that no run cached by older code answers for today's;
- ``browser``: JupyterLab and the gallery in Chromium (tests/browser; ``make test-browser`` installs and
  builds what it needs first).

Each tier's output streams as it runs. The first failing tier stops the run; the summary still prints.
Exit status: 0 all passed, 1 a tier failed, 2 an unknown tier.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Tests and notebooks run on every core (at most 4 workers; each trains on one thread): whole files per
# worker, so module fixtures and a notebook's cells stay together.
PYTEST = [sys.executable, "-m", "pytest", "-q", "-n", "auto", "--maxprocesses", "4", "--dist", "loadfile"]
# A notebook's sweep is one cell: on 2 cores with a second notebook beside it, the slowest (Fig. 10's three
# reward-model sweeps, about 3 min alone) runs past pytest's 300 s per test, so cells get 900 s.
NBVAL = [
    "--nbval-lax",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    "notebooks/nbval_sanitize.cfg",
    "--timeout",
    "900",
]
BROWSER = "tests/browser"  # its own tier: one JupyterLab and one Chromium, so no workers
TIERS = {
    "lint": [[str(BIN / "ruff"), "check", "--quiet", "."], [str(BIN / "ruff"), "format", "--check", "."]],
    "fast": [[*PYTEST, "-m", "not slow", f"--ignore={BROWSER}", "tests/"]],
    "tests": [[*PYTEST, f"--ignore={BROWSER}", "tests/"]],
    "notebooks": [[*PYTEST, *NBVAL, "notebooks/"]],
    "browser": [[sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "--timeout", "900", BROWSER]],
}


# The notebook tier's results folder to keep (notebooks/conftest.py; `make test` sets it for the gallery);
# the other tiers never see it, so that no test empties or fills it.
KEEP_RESULTS = "W2S_NBVAL_RESULTS"


def run(cmd: list[str], tier: str = "") -> tuple[int, str]:
    """Run ``cmd`` in the repository, streaming its output; (exit status, its last non-empty line)."""
    last = ""
    env = {k: v for k, v in os.environ.items() if tier == "notebooks" or k != KEEP_RESULTS}
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            last = line.strip() or last
    return proc.returncode, last


def main(argv: list[str]) -> int:
    unknown = [t for t in argv if t not in TIERS]
    if not argv or unknown:
        print(
            f"run_tests.py: error: unknown tier {unknown[0] if unknown else ''!r}; valid: {', '.join(TIERS)}",
            file=sys.stderr,
        )
        return 2
    summary, status = [], 0
    for tier in argv:
        start, last = time.perf_counter(), ""
        for cmd in TIERS[tier]:
            code, last = run(cmd, tier)
            if code:
                status = 1
                break
        minutes, seconds = divmod(round(time.perf_counter() - start), 60)
        summary.append(f"{tier:10s} {'ok    ' if not status else 'FAILED'} {minutes:3d} min {seconds:02d} s   {last}")
        if status:
            break
    print("\n" + "=" * 30 + " summary " + "=" * 30)
    print("\n".join(summary))
    skipped = argv[len(summary) :]
    if skipped:
        print(f"not run after the failure: {', '.join(skipped)}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
