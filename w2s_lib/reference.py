"""The paper's numbers (Burns et al. 2023, arXiv 2312.09390 v1) as data, so notebooks compare against them.

The numbers live in ``paper_values.yaml`` next to this module (packaged data, read with
``importlib.resources`` so an installed wheel finds it too). Values are in percent, as the paper writes
them; our results tables hold fractions, so multiply those by 100 before comparing.

Tags: ``P`` stated in the text, ``P-fig`` read by eye off a figure (about +-1-2 points), ``C`` what the
public reference code reports.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import pandas as pd

COLUMNS = (
    "figure", "panel", "series", "setting", "task", "x", "supervisor",
    "metric", "value", "err", "lo", "hi", "bound", "tag", "page", "note",
)  # fmt: skip
TAGS = ("P", "P-fig", "C")
METRICS = ("accuracy", "pgr", "agreement")
SETTINGS = ("nlp", "chess", "rm", "vision")
# When several records match, a number stated in the text beats one read off a plot, which beats the
# reference code's: the order in which the paper's own claims should be trusted.
_TAG_RANK = {t: i for i, t in enumerate(TAGS)}
# A file to which ``versus`` adds its claim rows (tools/run_notebooks.py sets it per executed notebook; the
# gallery's index reads the verdicts from it). Unset: nothing is written.
VERDICTS_ENV = "W2S_VERDICTS"


def _flatten(doc: dict) -> list[dict]:
    """One record per number: each figure block's page and defaults are copied into its records."""
    out = []
    for figure, block in doc.items():
        for rec in block["records"]:
            row = dict.fromkeys(COLUMNS)
            row.update(figure=figure, page=block["page"], **block.get("defaults", {}))
            row.update(rec)
            out.append(row)
    return out


def _check(rows: list[dict]) -> None:
    """Fail loudly on a malformed record: a typo in the YAML should not become a silent NaN."""
    for r in rows:
        where = f"{r['figure']}/{r['series']}"
        unknown = set(r) - set(COLUMNS)
        if unknown:
            raise ValueError(f"paper_values.yaml {where}: unknown fields {sorted(unknown)}")
        if r["tag"] not in TAGS or r["metric"] not in METRICS or r["setting"] not in SETTINGS:
            raise ValueError(f"paper_values.yaml {where}: bad tag/metric/setting {r['tag'], r['metric'], r['setting']}")
        if not isinstance(r["page"], int) or not isinstance(r["value"], (int, float)) or r["series"] is None:
            raise ValueError(f"paper_values.yaml {where}: needs an int page, a numeric value and a series")


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    import yaml

    text = resources.files("w2s_lib").joinpath("paper_values.yaml").read_text(encoding="utf-8")
    rows = _flatten(yaml.safe_load(text))
    _check(rows)
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("value", "err", "lo", "hi"):
        df[col] = df[col].astype(float)
    df["page"] = df["page"].astype(int)
    # Missing text fields stay None (not NaN); x mixes labels and numbers, kept as strings for filtering.
    for col in ("figure", "panel", "series", "setting", "task", "x", "supervisor", "metric", "bound", "tag", "note"):
        df[col] = pd.Series([None if v is None or v != v else str(v) for v in df[col]], dtype=object)
    return df


def paper_values(figure: str | None = None, **filters) -> pd.DataFrame:
    """The paper's numbers as a tidy table (a copy), optionally filtered by any column's value.

    ``paper_values("fig02", setting="nlp")``; a filter value of ``None`` means "any".
    """
    df = _table()
    filters = {"figure": figure, **filters}
    unknown = set(filters) - set(COLUMNS)
    if unknown:
        raise TypeError(f"unknown filter(s) {sorted(unknown)}; columns: {', '.join(COLUMNS)}")
    mask = pd.Series(True, index=df.index)
    for col, want in filters.items():
        if want is not None:
            mask &= df[col] == want
    return df[mask].reset_index(drop=True).copy()


def paper_value(
    figure: str,
    series: str,
    panel: str | None = None,
    setting: str | None = None,
    metric: str | None = None,
    x: str | None = None,
    **filters,
) -> float:
    """The one number matching the arguments (in percent); see ``paper_record``."""
    return float(paper_record(figure, series, panel, setting, metric, x, **filters)["value"])


def paper_record(
    figure: str,
    series: str,
    panel: str | None = None,
    setting: str | None = None,
    metric: str | None = None,
    x: str | None = None,
    **filters,
) -> pd.Series:
    """The one record (value, tag, page, ...) matching the arguments.

    When the match is ambiguous only by tag, the stated [P] number wins over a read [P-fig] one, and
    both over the reference code's [C] (pass ``tag=`` to choose). Raises KeyError naming what exists.
    """
    fig = paper_values(figure)
    if fig.empty:
        raise KeyError(f"no paper values for figure {figure!r}; figures: {', '.join(_table()['figure'].unique())}")
    kw = dict(series=series, panel=panel, setting=setting, metric=metric, x=x, **filters)
    hits = paper_values(figure, **kw)
    if hits.empty:
        series = ", ".join(sorted(fig["series"].unique()))
        raise KeyError(f"no paper value for {figure} with {_fmt(kw)}; available series: {series}")
    hits = hits[hits["tag"].map(_TAG_RANK) == hits["tag"].map(_TAG_RANK).min()]
    if len(hits) > 1:
        cols = ["panel", "setting", "x", "supervisor", "metric"]
        options = hits[cols].drop_duplicates().to_dict("records")
        raise KeyError(f"{len(hits)} paper values for {figure} with {_fmt(kw)}; narrow it down with one of {options}")
    return hits.iloc[0]


def _fmt(kw: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kw.items() if v is not None)


# The notebook presets (params/<preset>/): every claim verdict is printed with the one it was measured at.
PRESETS = ("smoke", "laptop", "paper")
VERDICTS = {True: "holds", False: "does not hold"}
N_CLAIMS = 18  # the headline claims, numbered as in the paper digest's list (claim_1 ... claim_18)


@functools.lru_cache(maxsize=1)
def claims() -> dict[int, dict]:
    """The 18 headline claims from ``claims.yaml``: ``{n: {"text", "notebooks", "not_at": {preset: reason}}}``."""
    import yaml

    doc = yaml.safe_load(resources.files("w2s_lib").joinpath("claims.yaml").read_text(encoding="utf-8"))
    if sorted(doc) != list(range(1, N_CLAIMS + 1)):
        raise ValueError(f"claims.yaml must number the claims 1..{N_CLAIMS}, got {sorted(doc)}")
    for n, c in doc.items():
        c.setdefault("not_at", {})
        if set(c["not_at"]) - set(PRESETS):
            raise ValueError(f"claims.yaml claim {n}: unknown presets {sorted(set(c['not_at']) - set(PRESETS))}")
    return doc


def _check_preset(preset: str) -> None:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; valid: {', '.join(PRESETS)}")


def verdict(holds, ours: float, preset: str, reason: str | None = None) -> str:
    """The one claims policy (``claims.yaml`` states it): a verdict from our number at every preset, or
    "not measurable at <preset>: <reason>" where the preset cannot produce the number, always with a reason."""
    _check_preset(preset)
    if reason is None and ours != ours:
        reason = "our number is undefined (nan) for this preset's runs"
    if reason is not None:
        return f"not measurable at {preset}: {reason}"
    if holds not in VERDICTS:
        raise ValueError(f"holds must be True or False (or give reason=), got {holds!r}")
    return VERDICTS[holds]


# the notebooks' preset files, in a checkout (an installed wheel has none: then every listed notebook counts)
PARAMS = Path(__file__).resolve().parent.parent / "params"


def claims_at(preset: str) -> pd.DataFrame:
    """Every claim at one preset: which notebooks decide it there, or why it is not measurable there."""
    _check_preset(preset)
    rows = []
    for n, c in claims().items():
        reason = c["not_at"].get(preset)
        there = [nb for nb in c["notebooks"] if not PARAMS.is_dir() or (PARAMS / preset / f"{nb}.yaml").exists()]
        where = verdict(None, float("nan"), preset, reason) if reason else "decided in " + ", ".join(there)
        rows.append({"claim": f"claim_{n}", "preset": preset, "claim_text": c["text"], "where": where})
    return pd.DataFrame(rows)


def versus(rows: list[dict], *, preset: str) -> pd.DataFrame:
    """A table of our numbers beside the paper's, for a notebook's "ours vs the paper" cell.

    Each row is ``{"quantity": str, "ours": float, "figure": ..., "series": ..., **paper_value filters}``;
    the paper's number, tag and page come from the machine-readable values (never typed by hand).

    A row that checks one of the headline claims also has ``claim`` (its number, 1..18) and ``holds``: True
    or False as our numbers decide it, at every preset (``verdict``: the policy), printed with ``preset``.
    Where the preset cannot produce the number, the row gives ``reason=`` instead (``holds=None``); a nan
    number says so too. A qualitative claim without a number in the paper gives ``paper_says`` (the paper's
    words) and ``page`` instead of ``figure``/``series``. ``ci`` (a pair, e.g.
    ``results.pgr_table(..., ci=True)``'s ``pgr_lo``/``pgr_hi`` in the same unit as ``ours``) adds an
    ``ours 95% CI`` column, so that a verdict can be read against the spread over seeds.
    """
    _check_preset(preset)
    out = []
    for r in rows:
        r = dict(r)
        quantity, ours = r.pop("quantity"), r.pop("ours")
        claim, holds, ci = r.pop("claim", None), r.pop("holds", ""), r.pop("ci", None)
        reason = r.pop("reason", None)
        ours = float(ours) if ours is not None else float("nan")
        if "figure" in r:
            hit = paper_record(r.pop("figure"), **{k: v for k, v in r.items() if k != "paper_says"})
            paper, tag, page, says = (
                float(hit["value"]),
                hit["tag"],
                int(hit["page"]),
                r.get("paper_says") or hit["note"],
            )
        elif "paper_says" in r and "page" in r:
            paper, tag, page, says = float("nan"), "P", int(r["page"]), r["paper_says"]
        else:
            raise ValueError(f"row {quantity!r} needs figure= and series= (a paper record) or paper_says= and page=")
        row = {
            "quantity": quantity,
            "paper": paper,
            "tag": tag,
            "page": page,
            "ours": round(ours, 1) if ours == ours else ours,
        }
        if ci is not None:
            lo, hi = (float(v) for v in ci)
            row["ours 95% CI"] = f"[{lo:.1f}, {hi:.1f}]" if lo == lo and hi == hi else "n/a"
        if claim is not None:
            if not (isinstance(claim, int) and 1 <= claim <= N_CLAIMS):
                raise ValueError(f"claim must be a claim number 1..{N_CLAIMS}, got {claim!r}")
            try:
                row["verdict"] = verdict(holds, ours, preset, reason)
            except ValueError as e:
                raise ValueError(f"claim {claim}: {e}") from None
            row = {"claim": f"claim_{claim}", "preset": preset, **row, "paper_says": says}
        out.append(row)
    df = pd.DataFrame(out)
    _record_verdicts([r for r in out if "claim" in r])
    if "claim" in df:  # claim rows first in each column order; plain rows get blanks
        front = ["claim", "preset", "quantity", "paper", "ours"] + (["ours 95% CI"] if "ours 95% CI" in df else [])
        front += ["verdict", "tag", "page", "paper_says"]
        df = df[front].fillna({"claim": "", "preset": "", "verdict": "", "paper_says": "", "ours 95% CI": ""})
    return df


def _record_verdicts(rows: list[dict]) -> None:
    """Add ``rows`` (claim, preset, quantity, verdict, ...) to ``$W2S_VERDICTS``, when it is set."""
    import json
    import os

    from w2s_lib.core.cache import write_json

    path = os.environ.get(VERDICTS_ENV)
    if not path or not rows:
        return
    path = Path(path)
    earlier = json.loads(path.read_text()) if path.exists() else []
    write_json(path, earlier + [{k: r.get(k) for k in ("claim", "preset", "quantity", "verdict")} for r in rows])
