"""Throughput: the library's training and prediction paths against a re-creation of the reference loop.

Both paths train the same model (same initial weights) on the same examples for the same number of
examples, alternating (a, b, a, b, ...) in one process so that machine noise hits both alike:

(a) ``w2s_lib.nlp.train.train_classifier``: batches of 32 in one forward pass, length-grouped batches with
    dynamic padding, last-token pooling from the attention mask in one indexing operation, bf16
    autocast on CUDA;
(b) the reference loop as docs/reference_differences.md §16 describes it, re-created from that: minibatches of
    one example (gradient accumulation up to the batch), the backbone's hidden states per example, the
    last token picked in a Python loop, fp32, no length grouping.

Prediction (weak labelling and evaluation) is timed the same way: ``predict_tokens`` (length-sorted
batches of 256 under ``torch.inference_mode``) against one example per forward pass; the script checks
that both give the same probabilities.

Prints examples/s, tokens/s, peak memory and the ratios (a)/(b); on CUDA also model FLOPs utilisation
against the device's bf16 peak (``--peak-tflops``). CPU default: tiny-3 (the smoke sweep's largest
model) on the smoke sweep's own texts, under a minute; ``--model gpt2-large`` builds that architecture
from its config with random weights (no download). Results: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time

import numpy as np
import torch

SHAPES = {
    "tiny": dict(n_layer=2, n_embd=128, n_head=4),
    "gpt2": dict(n_layer=12, n_embd=768, n_head=12),
    "gpt2-large": dict(n_layer=36, n_embd=1280, n_head=20),
}


def gpt2_config(shape: dict, vocab: int):
    """A GPT-2 config of ``shape`` (n_layer, n_embd, n_head) without dropout, for random-init benchmarks."""
    from transformers import GPT2Config

    return GPT2Config(
        vocab_size=vocab,
        n_positions=1024,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
        **shape,
    )


def build(model_name: str, vocab: int, seed: int):
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.presets import TINY_SHAPES

    shapes = {**SHAPES, **{name: shape for name, (shape, _, _) in TINY_SHAPES.items()}}
    cfg = gpt2_config(shapes[model_name], vocab)
    torch.manual_seed(seed)
    model = build_classifier(cfg)
    torch.nn.init.normal_(model.head.weight, std=0.02)
    return model


class _Tok:
    """A stand-in tokenizer over pre-made token ids (the benchmark times models, not tokenizers)."""

    pad_token_id = 0

    def __init__(self, seqs):
        self.seqs = {f"t{i}": s for i, s in enumerate(seqs)}

    def __call__(self, texts, truncation=True, max_length=None, add_special_tokens=True):
        return {"input_ids": [self.seqs[t][:max_length] for t in texts]}


def smoke_data(n: int, max_len: int):
    """The smoke sweep's own inputs: synth_sentiment texts through the tiny tokenizer (about 10 tokens)."""
    from w2s_lib.data.load import load_items
    from w2s_lib.models.tokenizers import tiny_tokenizer

    items = load_items("synth_sentiment", "train", n, 0)
    ids = tiny_tokenizer()([it["txt"] for it in items], truncation=True, max_length=max_len)["input_ids"]
    return ids, [it["hard_label"] for it in items]


def random_data(n: int, min_len: int, max_len: int, vocab: int, seed: int = 0):
    """``n`` sequences of random token ids (lengths uniform in min_len..max_len) and random binary labels."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n)
    seqs = [rng.integers(2, vocab, size=int(k)).tolist() for k in lengths]
    return seqs, rng.integers(0, 2, size=n).tolist()


def reference_predict(model, seqs, device) -> np.ndarray:
    """Evaluation in the reference's shape: one example per forward pass."""
    out = []
    with torch.no_grad():
        for s in seqs:
            hidden = model.backbone(input_ids=torch.tensor([s], device=device)).last_hidden_state
            out.append(torch.softmax(model.head(hidden[0, len(s) - 1]).float(), -1).cpu().numpy())
    return np.stack(out)


def library_predict(model, seqs, device, batch_size: int = 256) -> np.ndarray:
    from w2s_lib.nlp.train import predict_tokens

    return predict_tokens(model, seqs, 0, batch_size=batch_size, device=device)


def reference_loop(model, seqs, labels, batch_size: int, lr: float, device) -> None:
    """Minibatch 1, per-example last-token gather in Python, fp32 (the reference code's shape)."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train(False)
    for start in range(0, len(seqs), batch_size):
        for i in range(start, min(start + batch_size, len(seqs))):
            ids = torch.tensor([seqs[i]], device=device)
            hidden = model.backbone(input_ids=ids).last_hidden_state
            pooled = torch.stack([hidden[j, len(seqs[i]) - 1] for j in range(hidden.shape[0])])
            logits = model.head(pooled)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([labels[i]], device=device))
            (loss / batch_size).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)


def library_path(model, seqs, labels, batch_size: int, lr: float, device) -> None:
    from w2s_lib.nlp.train import TrainConfig, train_classifier

    tok = _Tok(seqs)
    cfg = TrainConfig(
        lr=lr,
        epochs=1.0,
        batch_size=batch_size,
        minibatch_size=batch_size,
        select="last",
        eval_every=10**9,
        max_len=1024,
        group_by_length=True,
    )
    train_classifier(model, tok, list(tok.seqs), np.array(labels), cfg, device=device, progress=False)


def _time(fn) -> tuple[float, object]:
    """(seconds, result) of ``fn()``, with the GPU's queue drained on both sides."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t0, out


def main(argv=None) -> int:
    from w2s_lib.models.presets import TINY_SHAPES

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--model",
        default=None,
        choices=[*SHAPES, *TINY_SHAPES],
        help="architecture (default: tiny-3, the smoke sweep's student, on CPU; gpt2-large on CUDA)",
    )
    p.add_argument(
        "--data",
        default=None,
        choices=["smoke", "random"],
        help="smoke: the smoke sweep's texts (CPU default); random: token ids of --min-len..--max-len",
    )
    p.add_argument("--examples", type=int, default=None, help="examples per timed run")
    p.add_argument("--rounds", type=int, default=3, help="alternating (a, b) rounds; the median is reported")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--min-len", type=int, default=16)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--peak-tflops", type=float, default=989.0, help="device bf16 dense peak, for MFU (H100 SXM: 989)")
    a = p.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model_name = a.model or ("gpt2-large" if device.type == "cuda" else "tiny-3")
    data = a.data or ("random" if device.type == "cuda" else "smoke")
    n = a.examples or (2048 if device.type == "cuda" else 512)
    vocab = 512 if model_name in TINY_SHAPES or model_name == "tiny" else 50257
    if data == "smoke":
        seqs, labels = smoke_data(n, a.max_len)
        lengths = np.array([len(s) for s in seqs])
    else:
        seqs, labels = random_data(n, a.min_len, a.max_len, vocab)
        lengths = np.array([len(s) for s in seqs])
    n_tokens = int(lengths.sum())
    timings = {k: [] for k in ("library", "reference", "library_predict", "reference_predict")}
    peaks = {"library": 0, "reference": 0}
    for r in range(a.rounds):
        for name, fn in (("library", library_path), ("reference", reference_loop)):
            model = build(model_name, vocab, seed=r).to(device)
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            timings[name].append(_time(functools.partial(fn, model, seqs, labels, a.batch_size, 1e-5, device))[0])
            if device.type == "cuda":
                peaks[name] = max(peaks[name], torch.cuda.max_memory_allocated())
            print(f"round {r + 1}/{a.rounds} train   {name:9s} {timings[name][-1]:7.2f} s", file=sys.stderr, flush=True)
        preds = {}
        for name, fn in (("library", library_predict), ("reference", reference_predict)):
            seconds, preds[name] = _time(functools.partial(fn, model, seqs, device))
            timings[f"{name}_predict"].append(seconds)
            print(
                f"round {r + 1}/{a.rounds} predict {name:9s} {timings[name + '_predict'][-1]:7.2f} s",
                file=sys.stderr,
                flush=True,
            )
        # the fast path computes the same predictions (bf16 on CUDA: loosely)
        tol = 2e-2 if device.type == "cuda" else 1e-4
        assert np.abs(preds["library"] - preds["reference"]).max() < tol, "batched predictions differ"
    params = sum(p.numel() for p in model.parameters())
    print(
        f"\nmodel {model_name} ({params / 1e6:.2f}M parameters), data {data}, {n} examples, {n_tokens} tokens "
        f"(mean {lengths.mean():.1f}), batch {a.batch_size}, device {device.type}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} CPU threads"
    )
    med = {k: statistics.median(v) for k, v in timings.items()}
    for name in ("library", "reference"):
        line = f"train    {name:9s}  {n / med[name]:9.1f} examples/s  {n_tokens / med[name]:11.0f} tokens/s"
        if device.type == "cuda":
            mfu = 6 * params * n_tokens / med[name] / (a.peak_tflops * 1e12)
            line += f"  peak memory {peaks[name] / 2**30:6.2f} GiB  MFU {100 * mfu:5.1f}%"
        print(line)
    for name in ("library", "reference"):
        t = med[f"{name}_predict"]
        print(f"predict  {name:9s}  {n / t:9.1f} examples/s  {n_tokens / t:11.0f} tokens/s")
    print(
        f"ratio library/reference: train {med['reference'] / med['library']:.2f}x, "
        f"predict {med['reference_predict'] / med['library_predict']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
