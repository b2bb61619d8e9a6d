"""The chess notebooks' specs: their flat parameters as one typed, checked object that lists its runs without
running anything (``runs``) and runs them. Figs. 3b/e, 4 and 15 plan ``protocol.chess_plan``'s series and run
``protocol.chess_results`` (``naive_and_bootstrap``); Figs. 19-20 (the parameters name ``cutoffs``) plan
``protocol.easy_to_hard_plan``'s runs and run ``protocol.easy_to_hard_results`` (``easy_to_hard``): planning
and running take the same planner. Fig. 14 draws puzzles and trains nothing (``ExamplesSpec``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from w2s_lib.chess import data as cdata
from w2s_lib.chess.protocol import (
    ChessData,
    ChessRun,
    chess_plan,
    chess_results,
    easy_to_hard_plan,
    easy_to_hard_results,
    encoders,
)
from w2s_lib.core.spec import Spec
from w2s_lib.models.loading import check_model_name
from w2s_lib.models.settings import ModelSettings, per_model_lr


@dataclass(frozen=True)
class ChessSpec(Spec):
    """Every setting of a chess notebook (``params/*/fig*_chess_*.yaml``); a field's comment says what it is."""

    models: tuple[str, ...] = ()  # causal LMs, weakest to strongest
    seeds: tuple[int, ...] = (0,)
    source: str = ChessData.source  # the puzzles: a Hub dataset or a generated set (data.SOURCES)
    n_train: int = ChessData.n_train
    n_test: int = ChessData.n_test
    n_parts: int = ChessData.n_parts  # parts of the training pool (the bootstrap's steps read one each)
    n_pool: int | None = None  # 0 or None: just enough puzzles for the parts
    epochs: float = 1.0
    batch_size: int = 32
    minibatch_size: int = 32
    max_len: int = 1024
    lr: dict = field(default_factory=dict)  # model -> rate ({}: CHESS_LR, else each preset's rate)
    bootstrap_steps: int = 3
    cutoffs: tuple[int, ...] | None = None  # Figs. 19-20: easy-puzzle Elo cutoffs (None: Figs. 3, 4, 15)
    hard_min: int = cdata.HARD_ELO
    elo_width: int = 250  # Fig. 20's Elo bins
    easy_n_train: dict | None = None  # cutoff -> puzzles of its easy set, where not n_train

    def __post_init__(self):
        self._check_models()
        if not self.seeds or not all(_is_int(s) for s in self.seeds):
            raise ValueError(f"seeds must be a non-empty list of integers, e.g. [0, 1, 2]; got {list(self.seeds)}")
        if self.cutoffs is not None and (not self.cutoffs or not all(_is_int(c) for c in self.cutoffs)):
            raise ValueError(f"cutoffs must be a non-empty list of integer Elo ratings; got {list(self.cutoffs)}")
        for name in ("bootstrap_steps", "elo_width"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)!r}")
        self.configs()  # every run's config is built (and checked: data, sizes, rates) now

    def _check_models(self) -> None:
        least = 1 if self.is_easy_to_hard else 2  # a weak-to-strong pair needs two models
        if len(set(self.models)) != len(self.models) or len(self.models) < least:
            got = list(self.models)
            raise ValueError(f"models must be {least} or more distinct causal LMs, weakest first; got {got}")
        for m in self.models:
            check_model_name(m)
        if encoders(list(self.models)):
            raise ValueError(f"chess needs causal language models; encoders: {', '.join(encoders(list(self.models)))}")

    @property
    def is_easy_to_hard(self) -> bool:
        """Whether these are Figs. 19-20's parameters (they name ``cutoffs``): the spec plans easy-to-hard runs."""
        return self.cutoffs is not None

    # ------------------------------------------------------------------ what it trains

    def _common(self) -> dict:
        """The planners' shared keywords: the puzzles (each seed draws its own) and how each model trains."""
        sizes = dict(n_train=self.n_train, n_test=self.n_test, n_parts=self.n_parts, n_pool=self.n_pool or None)
        data = ChessData(self.source, **sizes)
        train = dict(epochs=float(self.epochs), batch_size=self.batch_size, minibatch_size=self.minibatch_size)
        every = ModelSettings(train={**train, "max_len": self.max_len})
        return dict(data=data, every=every, per_model=per_model_lr(self.lr))

    def _naive_kw(self) -> dict:
        return dict(self._common(), bootstrap_steps=self.bootstrap_steps)

    def _easy_kw(self) -> dict:
        return dict(self._common(), hard_min=self.hard_min, easy_n_train=self.easy_n_train)

    def configs(self) -> list:
        """Every run's config, seed by seed, in the order the notebook runs them."""
        models, seeds = list(self.models), list(self.seeds)
        if self.is_easy_to_hard:
            return [c for planned in easy_to_hard_plan(models, seeds, self.cutoffs, **self._easy_kw()) for c in planned]
        per_seed = chess_plan(models, seeds, **self._naive_kw())
        return [c for series in per_seed for configs in series.values() for c in configs]

    def runs(self, root) -> list[ChessRun]:
        return [ChessRun(c, root) for c in self.configs()]

    # ------------------------------------------------------------------ running it

    def naive_and_bootstrap(self, root) -> pd.DataFrame:
        """Figs. 3b/e, 4 and 15: one row per run, with its series and PGR (``protocol.chess_results``)."""
        if self.is_easy_to_hard:
            raise ValueError("these parameters name cutoffs: they plan Figs. 19-20, run them with easy_to_hard")
        return chess_results(root, list(self.models), list(self.seeds), **self._naive_kw())

    def easy_to_hard(self, root) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Figs. 19-20: (one row per run, accuracy per run and Elo bin) (``protocol.easy_to_hard_results``)."""
        if not self.is_easy_to_hard:
            raise ValueError("easy-to-hard needs cutoffs (Elo ratings of the easy sets), e.g. [800, 900, 1000]")
        models, seeds, kw = list(self.models), list(self.seeds), self._easy_kw()
        return easy_to_hard_results(root, models, seeds, self.cutoffs, elo_width=self.elo_width, **kw)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ExamplesSpec(Spec):
    """Fig. 14: ``n`` puzzles of ``source`` drawn with ``seed``, and the ratings whose nearest puzzles it shows.
    It trains nothing: no runs."""

    source: str = ChessData.source
    n: int = 500
    seed: int = 0
    elos: tuple[int, ...] = (695, 2253)

    def __post_init__(self):
        cdata.check_source(self.source)
        if not _is_int(self.n) or self.n < 1:
            raise ValueError(f"n (puzzles to draw) must be an integer >= 1, got {self.n!r}")
        if not self.elos:
            raise ValueError("elos must name at least one rating, e.g. [695, 2253] (the paper's examples)")

    def runs(self, root) -> list:
        return []

    def puzzles(self) -> list[dict]:
        """The drawn puzzles (``data.load_puzzles``: the Hub's for lichess, generated offline for synth)."""
        return cdata.load_puzzles(self.source, self.n, self.seed)


NOTEBOOK_SPECS = {
    "fig03_chess_naive_scaling": ChessSpec.from_params,
    "fig04_fig15_chess_bootstrapping": ChessSpec.from_params,
    "fig19_fig20_chess_easy_to_hard": ChessSpec.from_params,
    "fig14_chess_examples": ExamplesSpec.from_params,
}
