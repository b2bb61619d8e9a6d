"""What the chess setting costs at the paper preset: the runs its notebooks plan, and the time they take.

* **Runs.** The union of the paper presets of ``fig03_chess_naive_scaling``, ``fig04_fig15_chess_bootstrapping``
  and ``fig19_fig20_chess_easy_to_hard`` (``params/paper/``), planned by the library's own ``plan`` and
  ``plan_easy_to_hard``; a run two notebooks share is counted once, as the cache trains it once. Per model:
  puzzles trained (``n_train`` x epochs; easy sets are counted full, an upper bound) and transcripts decoded
  (the test set, plus the next part for a run that supervises).
* **Throughput.** ``train_generative`` and ``greedy_moves`` themselves, on a GPT-2 shape with random weights
  built from its config (nothing downloads), on transcripts of ``--ctx-tokens`` tokens. The Lichess
  transcripts' length is an assumption, not a measurement (no Hub here): a puzzle starts about 30 moves into
  a game and GPT-2's BPE spends about 5 tokens on "12. Nf3 12... Nc6"'s half-moves, so ~300 tokens.
  Shapes not in ``--time`` are extrapolated from the first timed one by their FLOPs (see ``flops``).

    python benchmarks/bench_chess.py                                   # CPU: times gpt2, extrapolates
    python benchmarks/bench_chess.py --device cuda --time gpt2,gpt2-medium,gpt2-large,gpt2-xl
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections import defaultdict
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("fig03_chess_naive_scaling", "fig04_fig15_chess_bootstrapping", "fig19_fig20_chess_easy_to_hard")
SHAPES = {  # GPT-2's published configs
    "gpt2": dict(n_layer=12, n_embd=768, n_head=12),
    "gpt2-medium": dict(n_layer=24, n_embd=1024, n_head=16),
    "gpt2-large": dict(n_layer=36, n_embd=1280, n_head=20),
    "gpt2-xl": dict(n_layer=48, n_embd=1600, n_head=25),
}
VOCAB = 50257
TARGET_TOKENS = 4  # " Qxc1+" is 3-4 GPT-2 tokens, then the end token


def paper_runs():
    """Every distinct run of the three chess notebooks' paper presets, and the last preset's settings."""
    from w2s_lib.chess import protocol as cp
    from w2s_lib.chess.spec import ChessSpec

    runs, p = {}, None
    for nb in NOTEBOOKS:
        p = yaml.safe_load((ROOT / "params" / "paper" / f"{nb}.yaml").read_text())
        runs.update({cp.run_name(c): c for c in ChessSpec.from_params(p).configs()})  # a shared run is trained once
    return list(runs.values()), p


def workload(runs) -> dict:
    """Per model: runs, trained puzzles (epochs included) and decoded transcripts."""
    out = defaultdict(lambda: {"runs": 0, "trained": 0.0, "decoded": 0})
    for c in runs:
        w = out[c.model]
        w["runs"] += 1
        if c.labels != "none":
            w["trained"] += c.data.n_train * c.train.epochs
        w["decoded"] += c.data.n_test
        if c.labels_next_part:
            w["decoded"] += c.data.n_train
    return dict(out)


def flops(shape: dict, ctx: int, new_tokens: int) -> tuple[float, float]:
    """(FLOPs to train on one example, to decode one transcript): 2 per weight and token forward, 6 with the
    backward; attention adds 4·T·d per token and layer forward; the tied unembedding counts as a d x V matrix.
    Decoding: a prefill of the transcript, then ``new_tokens`` single-token steps against the KV cache."""
    L, d = shape["n_layer"], shape["n_embd"]
    weights = 12 * L * d * d + d * VOCAB
    t = ctx + TARGET_TOKENS
    train = 6 * weights * t + 3 * 4 * L * d * t * t / 2  # causal: half the score matrix on average
    decode = 2 * weights * ctx + 4 * L * d * ctx * ctx / 2 + new_tokens * (2 * weights + 4 * L * d * ctx)
    return train, decode


def _transcript(tok, n_tokens: int) -> str:
    """A transcript-like text of about ``n_tokens`` tokens under ``tok``."""
    words = []
    while len(tok(" ".join(words), add_special_tokens=False)["input_ids"]) < n_tokens:
        i = len(words) // 2 + 1
        words += [f"{i}. Nf3", f"{i}... Nc6"]
    return " ".join(words)


def time_model(
    name: str, device, ctx_tokens: int, batch: int, minibatch: int, steps: int, decode_batch: int, max_new_tokens: int
) -> tuple[float, float]:
    """(seconds per trained example, seconds per decoded transcript) of ``name``'s shape on ``device``."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from w2s_lib.chess.generative import greedy_moves, train_generative
    from w2s_lib.chess.protocol import CHESS_TRAIN
    from w2s_lib.models.tokenizers import tiny_tokenizer

    tok = tiny_tokenizer()  # its ids are valid in GPT-2's vocabulary; only the lengths matter here
    torch.manual_seed(0)
    cfg = GPT2Config(
        vocab_size=VOCAB,
        n_positions=1024,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        **SHAPES[name],
    )
    lm = GPT2LMHeadModel(cfg).to(device)
    ctx = _transcript(tok, ctx_tokens)
    tr = dataclasses.replace(CHESS_TRAIN, batch_size=batch, minibatch_size=minibatch, lr=1e-5, epochs=1.0)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    train_generative(lm, tok, [ctx] * batch, [" Nf3"] * batch, tr, device=device, progress=False)  # warm-up
    sync()
    t0 = time.perf_counter()
    train_generative(lm, tok, [ctx] * (batch * steps), [" Nf3"] * (batch * steps), tr, device=device, progress=False)
    sync()
    per_train = (time.perf_counter() - t0) / (batch * steps)
    greedy_moves(lm, tok, [ctx] * 2, max_len=CHESS_TRAIN.max_len, max_new_tokens=max_new_tokens, progress=False)
    sync()
    t0 = time.perf_counter()
    # a random model never emits the end token, so every decode runs all max_new_tokens steps: an upper bound
    greedy_moves(
        lm,
        tok,
        [ctx] * decode_batch,
        max_len=CHESS_TRAIN.max_len,
        max_new_tokens=max_new_tokens,
        batch_size=decode_batch,
        progress=False,
    )
    sync()
    return per_train, (time.perf_counter() - t0) / decode_batch


def main(argv=None) -> int:
    from w2s_lib.chess.protocol import ChessRunConfig

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--time", default="gpt2", help="comma-separated shapes to time (valid: " + ", ".join(SHAPES) + ")")
    ap.add_argument("--ctx-tokens", type=int, default=300, help="tokens per transcript (an assumption; see above)")
    ap.add_argument("--steps", type=int, default=None, help="optimizer steps timed (default: 1 CPU, 10 GPU)")
    ap.add_argument("--batch", type=int, default=None, help="examples per step (default: 8 CPU, 32 GPU = the paper)")
    ap.add_argument("--minibatch", type=int, default=4, help="examples per forward (the paper preset: 4)")
    ap.add_argument(
        "--decode-batch", type=int, default=None, help="transcripts per generate() (default: 8 CPU, 64 GPU)"
    )
    ap.add_argument(
        "--assume-tflops",
        default="150,300",
        help="effective rates to convert the FLOPs at (bf16 on an H100-class GPU: 15-30%% of its peak)",
    )
    a = ap.parse_args(argv)
    timed = [m.strip() for m in a.time.split(",") if m.strip()]
    bad = [m for m in timed if m not in SHAPES]
    if bad or not timed:
        ap.error(f"unknown shape(s) {', '.join(bad) or '(none)'}; valid: {', '.join(SHAPES)}")
    device = torch.device(a.device)
    gpu = device.type == "cuda"
    steps, batch = a.steps or (10 if gpu else 1), a.batch or (32 if gpu else 8)
    decode_batch = a.decode_batch or (64 if gpu else 8)
    new_tokens = ChessRunConfig.max_new_tokens  # the dataclass default

    runs, p = paper_runs()
    work = workload(runs)
    print(
        f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}; transcripts of "
        f"{a.ctx_tokens} tokens (assumed), answers of {TARGET_TOKENS}, {new_tokens} decoded tokens"
    )
    print(
        f"paper presets of {', '.join(NOTEBOOKS)}: {len(runs)} distinct runs, {p['n_train']} puzzles per part, "
        f"{p['epochs']:g} epochs, test {p['n_test']}"
    )
    measured = {
        m: time_model(m, device, a.ctx_tokens, batch, a.minibatch, steps, decode_batch, new_tokens) for m in timed
    }
    ref = timed[0]
    ref_train, ref_decode = flops(SHAPES[ref], a.ctx_tokens, new_tokens)
    rate_train, rate_decode = ref_train / measured[ref][0], ref_decode / measured[ref][1]
    print(
        f"{ref}: {1 / measured[ref][0]:.2f} trained ex/s ({rate_train / 1e12:.3f} TFLOP/s), "
        f"{1 / measured[ref][1]:.2f} decoded/s ({rate_decode / 1e12:.3f} TFLOP/s)"
    )
    total_s = total_flop = 0.0
    print(f"{'model':12s} {'runs':>4s} {'trained':>10s} {'decoded':>8s} {'PFLOP':>8s} {'hours':>8s}  how")
    for m in SHAPES:
        if m not in work:
            continue
        w, (f_train, f_decode) = work[m], flops(SHAPES[m], a.ctx_tokens, new_tokens)
        if m in measured:
            sec = w["trained"] * measured[m][0] + w["decoded"] * measured[m][1]
        else:
            sec = w["trained"] * f_train / rate_train + w["decoded"] * f_decode / rate_decode
        fl = w["trained"] * f_train + w["decoded"] * f_decode
        total_s, total_flop = total_s + sec, total_flop + fl
        how = "timed" if m in measured else f"from {ref} by FLOPs"
        print(
            f"{m:12s} {w['runs']:4d} {w['trained']:10.0f} {w['decoded']:8d} {fl / 1e15:8.1f} {sec / 3600:8.1f}  {how}"
        )
    print(f"total: {total_flop / 1e18:.2f} EFLOP, about {total_s / 3600:.0f} h on this device")
    rates = [float(r) for r in a.assume_tflops.split(",")]
    print(
        "on one GPU at an assumed "
        + " / ".join(f"{r:g}" for r in rates)
        + " TFLOP/s effective (not measured): "
        + " / ".join(f"{total_flop / (r * 1e12) / 3600:.0f}" for r in rates)
        + " h"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
