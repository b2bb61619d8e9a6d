"""Choosing a finetuned laptop student's learning rate on the weak-label validation slice only (issue 28).

For one student, each candidate rate trains the run the sandbox design trains anyway: scratch-1's labels,
cross-entropy, seed 0, finetuned whole (``sandbox.student_settings``). Each rate is scored by the best
accuracy its evaluations reach on the validation slice of the student's half, whose labels are the
supervisor's (the score that selects the run's checkpoint); the best rate wins, ties going to the smaller.
Test accuracy never enters the choice and is not printed. The winning rate's run is an ordinary cached run of
``w2s sandbox --student-mode finetune`` when the cache is the same.

    python benchmarks/laptop_finetune_lr.py mpnet-base --rates 2e-5,5e-5,1e-4,2e-4 [--cache results/sandbox]

Put the chosen rate in ``sandbox.SANDBOX["finetune_lr"]`` with the scores beside it.
"""

from __future__ import annotations

import argparse

from w2s_lib.nlp.results import collect_histories
from w2s_lib.nlp.sandbox import SANDBOX, sandbox_plan
from w2s_lib.nlp.sweep import run_configs


def scores(student: str, rates: list[float], cache: str) -> dict[float, float]:
    """Best weak-label validation accuracy of the student's seed-0 run at each rate."""
    out = {}
    for rate in rates:
        cfg = {
            **SANDBOX,
            "students": [student],
            "weak_models": SANDBOX["weak_models"][:1],
            "losses": ["xent"],
            "finetune_lr": {**SANDBOX["finetune_lr"], student: rate},
        }
        weak, _, w2s = sandbox_plan([0], cfg, student_mode="finetune")
        df = run_configs(weak + w2s, cache)
        run = df[df["role"] == "w2s"]["run"].item()
        history = collect_histories(cache)
        out[rate] = float(history[history["run"] == run]["val_acc"].max())
        print(f"{student} lr {rate:g}: best weak-label validation accuracy {out[rate]:.3f}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("student", choices=sorted(SANDBOX["finetune_lr"]))
    ap.add_argument("--rates", default="2e-5,5e-5,1e-4,2e-4", help="comma-separated candidate learning rates")
    ap.add_argument("--cache", default="results/sandbox", help="results cache (finished runs are reused)")
    a = ap.parse_args()
    got = scores(a.student, sorted(float(r) for r in a.rates.split(",")), a.cache)
    best = max(got.values())
    chosen = min(r for r, v in got.items() if v == best)
    print(f"chosen: {a.student} lr {chosen:g} ({' / '.join(f'{v:.3f}' for v in got.values())}", end=" ")
    print(f"at {' / '.join(f'{r:g}' for r in got)})")


if __name__ == "__main__":
    main()
