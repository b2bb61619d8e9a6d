"""Run by tests/core/test_ddp.py, once alone and once under ``accelerate launch --num_processes 2``.

Trains a tiny classifier on fixed data (confidence loss, gradient accumulation, length-grouped
batches whose last one does not split evenly over two processes), then a small sweep through the
results cache, and writes (main process only) what the test compares:
``<out>/train.json`` (final parameters' checksums and test predictions) and ``<out>/sweep/``.

``--local-statistic`` is the negative control: the confidence loss's batch statistic comes from each
process's own rows instead of the gathered global batch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--local-statistic", action="store_true")
    p.add_argument("--no-sweep", action="store_true")
    a = p.parse_args(argv)
    torch.set_num_threads(1)

    from w2s_lib.core import dist
    from w2s_lib.data.load import load_items
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.tokenizers import tiny_tokenizer
    from w2s_lib.nlp.train import TrainConfig, train_classifier

    if a.local_statistic:

        def local_rows(x, n_real, total):
            # every row of the "global" batch is one of this process's rows, its own at their places
            start = dist.rank() * x.shape[0]
            return x[:n_real][(torch.arange(total) - start) % n_real]

        dist.gather_rows = local_rows

    tok = tiny_tokenizer()
    rows = load_items("synth_sentiment", "train", 45, 0)
    texts = [r["txt"] for r in rows]
    soft = np.clip(np.array([r["hard_label"] for r in rows], np.float32) * 0.8 + 0.1, 0, 1)
    torch.manual_seed(0)
    model = build_classifier("tiny-2", tokenizer=tok, head_init="unembed01")
    # 29 examples in batches of 8 with length grouping: 8, 8, 8, 5 -> the last one pads on process 2;
    # minibatches of 2 accumulate gradients; alpha 1 from the start makes the statistic matter.
    cfg = TrainConfig(
        lr=1e-3,
        epochs=1.0,
        batch_size=8,
        minibatch_size=2,
        select="last",
        group_by_length=True,
        loss="logconf",
        loss_kw=(("warmup_frac", 0.0),),
        eval_batch_size=4,
    )
    res = train_classifier(
        model, tok, texts[:29], soft[:29], cfg, test_texts=texts[29:], test_labels=soft[29:] > 0.5, progress=False
    )
    out = Path(a.out)
    if dist.is_main():
        out.mkdir(parents=True, exist_ok=True)
        params = {k: v.detach().double().sum().item() for k, v in model.state_dict().items()}
        (out / "train.json").write_text(
            json.dumps({"test_p1": res.test_p1.tolist(), "params": params, "history": res.history})
        )
    if not a.no_sweep:  # the documented command: accelerate launch ... -m w2s_lib.cli sweep
        from w2s_lib.cli.main import main as cli

        assert (
            cli(
                [
                    "sweep",
                    "--tasks",
                    "synth_sentiment",
                    "--models",
                    "tiny-1,tiny-2",
                    "--losses",
                    "xent",
                    "--seeds",
                    "0",
                    "--n-train",
                    "40",
                    "--n-test",
                    "16",
                    "--epochs",
                    "1",
                    "--batch-size",
                    "8",
                    "--minibatch-size",
                    "4",
                    "--quiet",
                    "--out",
                    str(out / "sweep"),
                ]
            )
            == 0
        )
    dist.barrier()
    return 0


if __name__ == "__main__":
    sys.exit(main())
