"""The paper's numbers as data: internally consistent, complete for the figures we reproduce, and findable."""

from __future__ import annotations

import pytest

from w2s_lib.core.metrics import pgr
from w2s_lib.reference import COLUMNS, TAGS, paper_value, paper_values


def test_every_record_is_well_formed():
    df = paper_values()
    assert list(df.columns) == list(COLUMNS)
    assert set(df["tag"]) <= set(TAGS)
    # the paper has 49 pages; page 0 only for the reference code's own results, which the paper does not print
    assert all(isinstance(p, int) and (1 <= p <= 49 or (p == 0 and t == "C")) for p, t in zip(df["page"], df["tag"]))
    assert df["value"].notna().all() and df["series"].notna().all()
    assert set(df["metric"]) <= {"accuracy", "pgr", "agreement"}
    ranged = df[df["lo"].notna()]
    assert (ranged["lo"] <= ranged["value"]).all() and (ranged["value"] <= ranged["hi"]).all()


def test_required_figures_are_present():
    figures = set(paper_values()["figure"])
    need = {f"fig{n:02d}" for n in (2, 3, 5, 7, 8, 9, 10, 11, 13, 15, 27)} | {"table03"}
    assert need <= figures


@pytest.mark.parametrize("setting", ["nlp", "chess", "rm"])
def test_fig02_has_all_four_bars_in_order(setting):
    bars = paper_values("fig02", setting=setting)
    assert bars["series"].tolist() == ["weak", "naive", "best_method", "ceiling"]
    v = bars["value"].tolist()
    assert v == sorted(v), "Fig. 2 bars rise from weak to ceiling in every setting"


def test_fig02_nlp_values():
    assert [paper_value("fig02", s, setting="nlp") for s in ("weak", "naive", "best_method", "ceiling")] == [
        62,
        80.5,
        87.5,
        94,
    ]


def test_table03_pgr_recomputes_from_its_accuracies():
    weak = paper_value("table03", "weak", metric="accuracy")
    for student, stated in (("dino_resnet50", 57.8), ("dino_vitb8", 41.5)):
        w2s = paper_value("table03", "w2s", metric="accuracy", x=student)
        ceiling = paper_value("table03", "ceiling", metric="accuracy", x=student)
        assert 100 * pgr(weak, w2s, ceiling) == pytest.approx(stated, abs=0.3)
        assert paper_value("table03", "w2s", metric="pgr", x=student) == stated


def test_table03_reference_rerun_is_kept_apart_and_stated_value_wins():
    rerun = paper_values("table03", tag="C")
    assert len(rerun) == 5
    assert paper_value("table03", "ceiling", x="dino_resnet50", tag="C") == 64.5
    assert paper_value("table03", "ceiling", x="dino_resnet50") == 63.7  # [P] beats [C]


def test_fig11_gap_closed_matches_the_stated_accuracies():
    lp, ft, both = (paper_value("fig11", s, metric="accuracy") for s in ("lp(gt)", "ft(gt)", "ft(weak)+lp(gt)"))
    assert (lp, ft, both) == (72, 82, 78)  # stated [P] values win over the [P-fig] 80.5 for ft(gt)
    assert 100 * (both - lp) / (ft - lp) == pytest.approx(paper_value("fig11", "ft(weak)+lp(gt)", metric="pgr"))
    assert set(paper_values("fig11")["series"]) == {"lp(weak)", "lp(gt)", "ft(weak)", "ft(weak)+lp(gt)", "ft(gt)"}


def test_fig27_keeps_plus_minus_as_err():
    naive = paper_values("fig27", series="naive", x="weak_label_in_prompt").iloc[0]
    aux = paper_values("fig27", series="aux_loss", x="weak_label_in_prompt").iloc[0]
    assert (naive["value"], naive["err"]) == (0.2, 0.3)
    assert (aux["value"], aux["err"]) == (4.6, 10.8)


def test_fig05_headline_and_fig13_gains_are_consistent():
    assert paper_value("fig05", "aux_loss", metric="pgr", x="gpt4", tag="P") == 80
    assert paper_value("fig05", "naive", metric="pgr", x="gpt4", tag="P") == 25
    # the read-off Fig. 13b bars agree with the stated +15 / +10 points within reading error
    last, weak, gt = (paper_value("fig13", s) for s in ("last", "early_stop_weak", "early_stop_gt"))
    assert gt - last == pytest.approx(paper_value("fig13", "early_stop_gt_gain_vs_last"), abs=4)
    assert gt - weak == pytest.approx(paper_value("fig13", "early_stop_gt_gain_vs_weak"), abs=4)


def test_unknown_series_names_the_available_ones():
    with pytest.raises(KeyError) as e:
        paper_value("fig02", "bogus", setting="nlp")
    assert "best_method" in str(e.value) and "ceiling" in str(e.value)
    with pytest.raises(KeyError, match="figures: .*fig02"):
        paper_value("fig99", "weak")


def test_ambiguous_lookup_asks_to_narrow_down():
    with pytest.raises(KeyError, match="narrow it down"):
        paper_value("fig02", "naive")  # three settings


def test_filters_and_copies():
    with pytest.raises(TypeError, match="unknown filter"):
        paper_values("fig02", colour="red")
    df = paper_values("fig02")
    df.loc[0, "value"] = -1.0
    assert paper_values("fig02")["value"].iloc[0] != -1.0  # callers cannot corrupt the cache


def test_versus_prints_paper_numbers_and_claim_verdicts():
    from w2s_lib.reference import versus

    df = versus(
        [
            dict(quantity="PGR naive (%)", ours=31.24, figure="fig05", series="naive", panel="b", tag="P"),
            dict(
                quantity="PGR aux (%)",
                ours=12.0,
                figure="fig05",
                series="aux_loss",
                panel="b",
                tag="P",
                claim=4,
                holds=False,
            ),  # fmt: skip
            dict(
                quantity="pairs with PGR > 0 (%)",
                ours=97.0,
                paper_says="virtually every pair",
                page=8,
                claim=1,
                holds=True,
            ),  # fmt: skip
            dict(
                quantity="chess zero-shot",
                ours=float("nan"),
                paper_says="beats zero-shot",
                page=36,
                claim=17,
                holds=True,
            ),  # fmt: skip
            dict(quantity="x", ours=1.0, paper_says="y", page=9, claim=2, holds=None, reason="no such model"),
        ],
        preset="laptop",
    )
    assert df["claim"].tolist() == ["", "claim_4", "claim_1", "claim_17", "claim_2"]
    assert df["preset"].tolist() == ["", "laptop", "laptop", "laptop", "laptop"]
    assert df["paper"].iloc[0] == paper_value("fig05", "naive", panel="b", tag="P") == 25
    assert df["ours"].iloc[0] == 31.2
    assert df["verdict"].tolist() == [
        "",
        "does not hold",
        "holds",
        "not measurable at laptop: our number is undefined (nan) for this preset's runs",  # nan beats holds=True
        "not measurable at laptop: no such model",
    ]
    assert df["page"].tolist() == [10, 10, 8, 36, 9]


@pytest.mark.parametrize(
    "row, message",
    [
        (dict(quantity="q", ours=1.0, paper_says="s", page=3, claim=19, holds=True), "claim number 1..18"),
        (dict(quantity="q", ours=1.0, paper_says="s", page=3, claim=3), "claim 3: holds must be"),
        # no verdict and no reason: a claim is never silently "not measurable"
        (dict(quantity="q", ours=1.0, paper_says="s", page=3, claim=3, holds=None), "or give reason="),
        (dict(quantity="q", ours=1.0, claim=3, holds=True), "needs figure= and series="),
    ],
)
def test_versus_rejects_malformed_claim_rows(row, message):
    from w2s_lib.reference import versus

    with pytest.raises(ValueError, match=message):
        versus([row], preset="smoke")
    with pytest.raises(ValueError, match="unknown preset 'gpu'; valid: smoke, laptop, paper"):
        versus([dict(quantity="q", ours=1.0, paper_says="s", page=3)], preset="gpu")


def test_versus_shows_our_interval_where_a_row_gives_one():
    from w2s_lib.reference import versus

    df = versus(
        [
            dict(
                quantity="PGR naive (%)",
                ours=31.24,
                ci=(12.04, 50.96),
                figure="fig05",
                series="naive",
                panel="b",
                tag="P",
            ),
            dict(
                quantity="PGR aux (%)",
                ours=70.0,
                ci=(float("nan"), 80.0),
                figure="fig05",
                series="aux_loss",
                panel="b",
                tag="P",
                claim=4,
                holds=True,
            ),  # fmt: skip
            dict(quantity="no interval", ours=1.0, paper_says="words", page=8, claim=1, holds=True),
        ],
        preset="paper",
    )
    assert df["ours 95% CI"].tolist() == ["[12.0, 51.0]", "n/a", ""]
    assert list(df.columns[:6]) == ["claim", "preset", "quantity", "paper", "ours", "ours 95% CI"]
    assert "ours 95% CI" not in versus([dict(quantity="q", ours=1.0, paper_says="w", page=8)], preset="paper")


def test_versus_adds_its_claim_rows_to_the_verdicts_file_when_asked(tmp_path, monkeypatch):
    """tools/run_notebooks.py points $W2S_VERDICTS at a file per executed notebook; the gallery reads it."""
    import json

    from w2s_lib.reference import VERDICTS_ENV, versus

    rows = [
        dict(quantity="plain", ours=31.0, figure="fig05", series="naive", panel="b", tag="P"),
        dict(quantity="q1", ours=97.0, paper_says="virtually every pair", page=8, claim=1, holds=True),
    ]
    versus(rows, preset="smoke")  # unset: nothing written anywhere
    path = tmp_path / "nb.verdicts.json"
    monkeypatch.setenv(VERDICTS_ENV, str(path))
    versus(rows, preset="smoke")
    versus([dict(quantity="q2", ours=1.0, paper_says="y", page=9, claim=2, holds=False)], preset="smoke")
    assert json.loads(path.read_text()) == [
        dict(claim="claim_1", preset="smoke", quantity="q1", verdict="holds"),
        dict(claim="claim_2", preset="smoke", quantity="q2", verdict="does not hold"),
    ]
    versus(rows[:1], preset="smoke")  # no claim row: the file is left as it is
    assert len(json.loads(path.read_text())) == 2
