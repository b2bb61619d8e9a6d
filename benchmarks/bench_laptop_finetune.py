"""What finetuning the laptop students whole costs on this CPU (issue 28's budget), per student of the ladder:

* a training step at the finetune mode's shape (``sandbox.SANDBOX["finetune_train"]``: batch 32, 32 tokens,
  every weight training, the real sandbox sentences), in seconds;
* a prediction, in milliseconds per item (the evaluations over the weak-label validation slice and the
  test set, and the predictions on the student's own training half for the agreement numbers).

Then the estimate of one finetuned student's weak-to-strong run of the sandbox design, as ``w2s plan``
makes it (``plan.cpu_seconds``): minilm-l1/l6 score the test set at each of their ~20 evaluations, the larger
students once (``SANDBOX["finetune_curves"]``).

    python benchmarks/bench_laptop_finetune.py [--students minilm-l6,mpnet-base] [--steps 4] [--json FILE]

mpnet-base and smollm2-135m need ``make laptop-models``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from w2s_lib.core.train_config import TrainConfig
from w2s_lib.data.splits import DataConfig, prepare_data
from w2s_lib.models.classifier import build_classifier
from w2s_lib.models.loading import load_tokenizer
from w2s_lib.nlp.sandbox import LADDER, SANDBOX, sandbox_plan
from w2s_lib.nlp.train import predict, train_classifier
from w2s_lib.plan import cpu_seconds


def rates(student: str, texts: list[str], steps: int) -> dict:
    """Seconds per training step and per predicted item for one student, finetuned whole."""
    ft = SANDBOX["finetune_train"]
    batch, max_len = ft["batch_size"], ft["max_len"]
    torch.manual_seed(0)
    model = build_classifier(student, head_init=SANDBOX["finetune_head"])
    tok = load_tokenizer(student)
    train = texts[: batch * steps]
    cfg = TrainConfig(lr=1e-5, epochs=1.0, batch_size=batch, minibatch_size=batch, max_len=max_len, select="last")
    t0 = time.perf_counter()
    train_classifier(model, tok, train, np.full(len(train), 0.5), cfg, progress=False)
    step_s = (time.perf_counter() - t0) / steps
    t0 = time.perf_counter()
    predict(model, tok, texts, max_len, cfg.eval_batch_size)
    return {
        "student": student,
        "train_step_s": step_s,
        "predict_ms_per_item": 1e3 * (time.perf_counter() - t0) / len(texts),
    }


def run_seconds(r: dict) -> float:
    """One finetuned student's weak-to-strong run of the sandbox design, from the measured rates: the
    estimate ``w2s plan`` makes (``plan.cpu_seconds``), on the run's own config."""
    cfg = {**SANDBOX, "students": [r["student"]], "weak_models": SANDBOX["weak_models"][:1], "losses": ["xent"]}
    _, _, (w2s,) = sandbox_plan([0], cfg, student_mode="finetune")
    return cpu_seconds("nlp", w2s, rate=r)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", default=",".join(LADDER))
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--json", help="also write the numbers here")
    a = ap.parse_args()
    data = prepare_data(DataConfig(task=SANDBOX["task"], n_train=SANDBOX["n_train"], n_test=SANDBOX["n_test"]))
    texts = [it["txt"] for it in data.A_train + data.B_train][:256]
    out = []
    for student in a.students.split(","):
        r = rates(student, texts, a.steps)
        r["run_s_estimate"] = run_seconds(r)
        out.append(r)
        print(
            f"{student:14s} step {r['train_step_s']:.2f} s   predict {r['predict_ms_per_item']:.1f} ms/item   "
            f"one finetuned run ~{r['run_s_estimate'] / 60:.1f} min",
            flush=True,
        )
    if a.json:
        meta = {"machine": f"{platform.machine()}, {torch.get_num_threads()} threads", "torch": torch.__version__}
        with open(a.json, "w") as f:
            json.dump({**meta, "date": time.strftime("%Y-%m-%d"), "rates": out}, f, indent=1)


if __name__ == "__main__":
    main()
