"""Chess puzzles (paper §4.1, App. A.2, Fig. 14): the game so far as a numbered SAN transcript, and the
puzzle's first best move.

A puzzle is a dict::

    {"id": "00sHx", "ctx": "1. e4 1... e5 2. Nf3 ... 23.", "target": " Qxc1+", "elo": 1680}

``ctx`` numbers every half-move ("12. Nf3 12... Nc6") and ends with the number of the move to find, so
``ctx + target`` reads as the transcript continued. ``target`` keeps its leading space (the paper's format).

Sources:

* ``lichess``: EleutherAI/lichess-puzzles on the Hub (~1.5M puzzles in this format; columns id, ctx,
  target), joined on the puzzle id with Lichess/chess-puzzles (CC0) for each puzzle's rating, its Elo.
* ``synth``: generated here, offline, for tests and the smoke presets (``synth_puzzles``). Not chess
  skill: a copy task in chess clothes whose difficulty grows with the game's length.
"""

from __future__ import annotations

import functools
import random
import re

import numpy as np

SOURCES = ("lichess", "synth")
PUZZLES_HUB_ID = "EleutherAI/lichess-puzzles"
RATINGS_HUB_ID = "Lichess/chess-puzzles"
HARD_ELO = 2000  # the paper's hard test set (App. C.1: Elo >= 2000 in Fig. 19)
_MOVE_NUMBER = re.compile(r"\d+\.(\.\.)?")


def _chess():
    try:
        import chess
    except ImportError as e:  # an optional extra (GPL-3.0): say how to get it
        raise ImportError("the chess setting needs python-chess: pip install 'w2s[chess]'") from e
    return chess


def check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"unknown chess source {source!r}; valid: {', '.join(SOURCES)}")


def load_puzzles(source: str, n: int, seed: int) -> list[dict]:
    """``n`` puzzles of ``source``, shuffled with ``seed`` (the same seed gives the same list)."""
    check_source(source)
    if source == "synth":
        return synth_puzzles(n, seed)
    return _lichess(n, seed)


def _lichess(n: int, seed: int) -> list[dict]:
    import datasets

    ds = datasets.load_dataset(PUZZLES_HUB_ID, split="train").shuffle(seed=seed)
    rows = ds.select(range(min(n, len(ds)))).to_list()
    ratings = datasets.load_dataset(RATINGS_HUB_ID, split="train").select_columns(["PuzzleId", "Rating"])
    wanted = {r["id"] for r in rows}
    elo = {}
    for batch in ratings.iter(batch_size=200_000):  # 5M rows: keep only the ratings of our puzzles
        elo.update((i, r) for i, r in zip(batch["PuzzleId"], batch["Rating"]) if i in wanted)
    missing = len(wanted) - len(elo)
    if missing:
        import warnings

        warnings.warn(f"{missing} of {len(wanted)} puzzles have no rating in {RATINGS_HUB_ID}; dropped")
    return [
        {"id": r["id"], "ctx": r["ctx"], "target": r["target"], "elo": int(elo[r["id"]])}
        for r in rows
        if r["id"] in elo
    ]


# ---------------------------------------------------------------------------- transcripts


def transcript(sans: list[str]) -> str:
    """A numbered SAN transcript ending with the number of the next half-move ("... 3." or "3...")."""
    parts = []
    for i, san in enumerate(sans + [None]):
        num = f"{i // 2 + 1}." if i % 2 == 0 else f"{i // 2 + 1}..."
        parts.append(num if san is None else f"{num} {san}")
    return " ".join(parts)


def moves_of(ctx: str) -> list[str]:
    """The SAN moves of a transcript, move numbers dropped ("1. e4 1... e5 2." -> ["e4", "e5"])."""
    return [t for t in (_MOVE_NUMBER.sub("", w) for w in ctx.split()) if t]


def board_of(ctx: str):
    """The ``chess.Board`` after a transcript's moves (raises ValueError on an illegal transcript)."""
    board = _chess().Board()
    for san in moves_of(ctx):
        board.push_san(san)
    return board


def is_legal(ctx: str, move: str) -> bool:
    """Whether ``move`` (SAN, spaces ignored) is legal after the transcript ``ctx``."""
    chess = _chess()
    try:
        board_of(ctx).parse_san(move.strip())
    except (ValueError, chess.IllegalMoveError, chess.InvalidMoveError, chess.AmbiguousMoveError):
        return False
    return bool(move.strip())


# ---------------------------------------------------------------------------- the offline task


def _knight_shuffle(board, rng: random.Random):
    """Two reversible knight moves (one per side) from ``board``, as a 4-half-move cycle, or None."""
    chess = _chess()

    def hops(b):
        return [
            m
            for m in b.legal_moves
            if b.piece_type_at(m.from_square) == chess.KNIGHT and not b.is_capture(m) and not b.gives_check(m)
        ]

    b = board.copy()
    cycle = []
    for _ in range(2):
        options = hops(b)
        if not options:
            return None
        m = rng.choice(options)
        cycle.append(m)
        b.push(m)
    for m in list(cycle):  # the way back: legal only if nothing changed on the knights' squares
        back = chess.Move(m.to_square, m.from_square)
        if not b.is_legal(back) or b.gives_check(back):
            return None
        cycle.append(back)
        b.push(back)
    return cycle[0], cycle[1], cycle[2], cycle[3]


def synth_puzzle(rng: random.Random, idx: int) -> dict:
    """A random legal opening, then one knight shuffle (both sides hop out and back) and a repeat of it
    cut at a random point: the answer is the move played four half-moves earlier, legal because the
    position has repeated. Longer openings hide the pattern deeper, so Elo grows with the opening's
    length (500 + 500 per half-move of the opening, up to 2500)."""
    chess = _chess()

    while True:
        board, sans = chess.Board(), []
        n_open = rng.randint(0, 4)
        for _ in range(n_open):
            moves = list(board.legal_moves)
            if not moves:
                break
            m = rng.choice(moves)
            sans.append(board.san(m))
            board.push(m)
        if board.is_game_over():
            continue
        cycle = _knight_shuffle(board, rng)
        if cycle is None:
            continue
        cut = 4 + rng.randint(0, 3)  # play the cycle once, then 0-3 half-moves of its repeat
        for m in (list(cycle) * 2)[:cut]:
            sans.append(board.san(m))
            board.push(m)
        target = board.san(cycle[cut % 4])
        return {"id": f"synth-{idx}", "ctx": transcript(sans), "target": f" {target}", "elo": 500 + 500 * n_open}


def synth_puzzles(n: int, seed: int) -> list[dict]:
    """``n`` offline puzzles (``synth_puzzle``); deterministic in ``seed``; ids unique across seeds."""
    return [dict(p) for p in _synth(n, seed)]


@functools.lru_cache(maxsize=4)
def _synth(n: int, seed: int) -> tuple:  # python-chess makes ~200 puzzles/s: build each pool once
    rng = random.Random(f"synth-chess/{seed}")
    out = [synth_puzzle(rng, i) for i in range(n)]
    for p in out:
        p["id"] = f"{p['id']}-s{seed}"
    return tuple(out)


# ---------------------------------------------------------------------------- splits


def filter_elo(puzzles: list[dict], elo_max: int | None = None, elo_min: int | None = None) -> list[dict]:
    """Puzzles with elo_min <= Elo <= elo_max (a bound left None is open)."""
    return [p for p in puzzles if (elo_max is None or p["elo"] <= elo_max) and (elo_min is None or p["elo"] >= elo_min)]


def split_puzzles(puzzles: list[dict], n_test: int, n_train: int, n_parts: int) -> dict:
    """The test set and ``n_parts`` disjoint training sets of ``n_train`` puzzles each, in list order.

    Part 0 trains the weak supervisor; part k >= 1 is what the step-k student learns from (its
    supervisor labels it). The paper uses 50k per part and 5k for the test set (App. A.2).
    """
    need = n_test + n_train * n_parts
    if len(puzzles) < need:
        raise ValueError(f"{len(puzzles)} puzzles cannot fill a test set of {n_test} and {n_parts} parts of {n_train}")
    parts = {"test": puzzles[:n_test]}
    for k in range(n_parts):
        parts[k] = puzzles[n_test + k * n_train : n_test + (k + 1) * n_train]
    return parts


def elo_bins(elo, width: int = 250, lo: int = 500, hi: int = 2500) -> np.ndarray:
    """The lower edge of each puzzle's Elo bin (Fig. 20's x axis), clipped to [lo, hi - width]."""
    e = np.clip(np.asarray(elo, dtype=float), lo, hi - 1)
    return (lo + (e - lo) // width * width).astype(int)
