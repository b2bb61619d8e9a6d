"""Cost of a whole sweep: ``w2s sweep --preset smoke`` into a fresh folder, then again (all cached).

Prints the wall time of both calls and, per run, the training seconds that the run recorded. Any
``w2s sweep`` flags can follow ``--``, e.g. ``python benchmarks/bench_sweep.py -- --seeds 0,1``.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time


def main(argv=None) -> int:
    from w2s_lib.cli.main import main as w2s
    from w2s_lib.nlp.results import collect

    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    with tempfile.TemporaryDirectory(prefix="w2s-bench-sweep-") as out:
        args = ["sweep", "--preset", "smoke", "--out", out, "--quiet", *extra]
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                if w2s(args) != 0:
                    return 1
            times.append(time.perf_counter() - t0)
        df = collect(out)
    print(
        df[["role", "model", "weak_model", "loss", "n_train", "n_steps", "seconds"]].to_string(
            index=False, float_format=lambda x: f"{x:.1f}"
        )
    )
    print(
        f"\nw2s sweep {' '.join(args[1:2] + args[2:3] + extra)}: {len(df)} runs, first call {times[0]:.1f} s "
        f"(training {df['seconds'].sum():.1f} s), second call (all cached) {times[1]:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
