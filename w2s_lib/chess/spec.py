"""The chess notebooks' spec: their flat parameters as one typed object that lists its runs without running
anything (``runs``) and runs them (``naive_and_bootstrap``, ``easy_to_hard``): Figs. 3b/e, 4 and 15 plan
``protocol.plan``'s series, Figs. 19-20 ``protocol.plan_easy_to_hard``'s runs, each for every seed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from w2s_lib.chess import data as cdata
from w2s_lib.chess.protocol import ChessData, ChessRun, chess_results, easy_to_hard_results, plan, plan_easy_to_hard
from w2s_lib.core.spec import Spec
from w2s_lib.models.settings import ModelSettings, per_model_lr


@dataclass(frozen=True)
class ChessSpec(Spec):
    """Every setting of a chess notebook (``params/*/fig*_chess_*.yaml``); a field's comment says what it is."""

    models: tuple[str, ...] = ()  # weakest to strongest
    seeds: tuple[int, ...] = (0,)
    source: str = ChessData.source  # the puzzles: a Hub dataset or a generated set
    n_train: int = ChessData.n_train
    n_test: int = ChessData.n_test
    n_parts: int = ChessData.n_parts  # parts of the training pool (the bootstrap's steps read one each)
    n_pool: int | None = None
    epochs: float = 1.0
    batch_size: int = 32
    minibatch_size: int = 32
    max_len: int = 1024
    lr: dict = field(default_factory=dict)  # model -> rate ({}: each preset's chess rate)
    bootstrap_steps: int = 3
    cutoffs: tuple | None = None  # Figs. 19-20: easy-puzzle Elo cutoffs (None: Figs. 3, 4, 15)
    hard_min: int = cdata.HARD_ELO
    elo_width: int = 250
    easy_n_train: dict | None = None

    def __post_init__(self):
        if not self.models or not self.seeds:
            raise ValueError("a chess spec needs models (weakest first) and seeds")
        self.configs()  # every run's config is built (and checked) now

    @classmethod
    def from_params(cls, params, **fixed):
        spec = super().from_params(params, **fixed)
        return dataclasses.replace(spec, models=tuple(spec.models), seeds=tuple(spec.seeds))

    def _data(self) -> ChessData:
        """The puzzles (each run takes its own seed)."""
        n_pool = self.n_pool or None
        return ChessData(self.source, n_train=self.n_train, n_test=self.n_test, n_parts=self.n_parts, n_pool=n_pool)

    def settings(self) -> dict:
        """``every`` and ``per_model``: how each model trains."""
        train = dict(epochs=float(self.epochs), batch_size=self.batch_size, minibatch_size=self.minibatch_size)
        every = ModelSettings(train={**train, "max_len": self.max_len})
        return dict(every=every, per_model=per_model_lr(self.lr))

    def configs(self) -> list:
        """Every run's config, seed by seed, in the order the notebooks run them."""
        out = []
        for seed in self.seeds:
            d = dataclasses.replace(self._data(), seed=seed)
            if self.cutoffs is not None:
                kw = dict(hard_min=self.hard_min, easy_n_train=self.easy_n_train)
                out += plan_easy_to_hard(d, list(self.models), self.cutoffs, **kw, **self.settings())
            else:
                series = plan(d, list(self.models), bootstrap_steps=self.bootstrap_steps, **self.settings())
                out += [c for configs in series.values() for c in configs]
        return out

    def runs(self, root) -> list[ChessRun]:
        return [ChessRun(c, root) for c in self.configs()]

    def naive_and_bootstrap(self, root) -> pd.DataFrame:
        """Figs. 3b/e, 4 and 15: one row per run, with its series (``protocol.chess_results``)."""
        kw = dict(data=self._data(), bootstrap_steps=self.bootstrap_steps, **self.settings())
        return chess_results(root, list(self.models), list(self.seeds), **kw)

    def easy_to_hard(self, root) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Figs. 19-20: (one row per run, accuracy per run and Elo bin) (``protocol.easy_to_hard_results``)."""
        kw = dict(hard_min=self.hard_min, elo_width=self.elo_width, easy_n_train=self.easy_n_train)
        return easy_to_hard_results(
            root, list(self.models), list(self.seeds), self.cutoffs, data=self._data(), **kw, **self.settings()
        )


@dataclass(frozen=True)
class NoRuns(Spec):
    """A notebook that trains nothing (Fig. 14 draws puzzles)."""

    def runs(self, root) -> list:
        return []


NOTEBOOK_SPECS = {
    "fig03_chess_naive_scaling": ChessSpec.from_params,
    "fig04_fig15_chess_bootstrapping": ChessSpec.from_params,
    "fig19_fig20_chess_easy_to_hard": ChessSpec.from_params,
    "fig14_chess_examples": NoRuns.from_params,
}
