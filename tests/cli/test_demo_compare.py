"""`make demo`'s last step: the user's ladder beside the committed one (w2s_lib.nlp.sandbox.compare_ladders)."""

import json

from w2s_lib.cli.sandbox import _compare_with_reference
from w2s_lib.nlp.sandbox import compare_ladders, format_comparison, numerics


def _row(student, loss, pgr, lo, hi):
    return dict(student=student, loss=loss, pgr=pgr, pgr_lo=lo, pgr_hi=hi)


REFERENCE = [_row("minilm-l6", "xent", 0.33, 0.20, 0.44), _row("minilm-l6", "logconf", 0.70, 0.63, 0.77)]


def test_each_pgr_is_judged_against_the_reference_interval():
    ours = [_row("minilm-l6", "xent", 0.45, 0.3, 0.6), _row("minilm-l6", "logconf", 0.63, 0.5, 0.7)]
    t = compare_ladders(ours, REFERENCE).set_index("loss")
    assert t.loc["xent", "reference"] == 0.33 and not t.loc["xent", "inside"]  # 0.45 > 0.44
    assert t.loc["logconf", "inside"]  # the interval's end counts as inside
    assert t.loc["logconf", "pgr"] == 0.63 and t.loc["logconf", "ref_lo"] == 0.63


def test_students_missing_from_either_side_are_left_out():
    ours = [_row("minilm-l1", "xent", 0.0, -0.1, 0.1), _row("minilm-l6", "xent", 0.3, 0.2, 0.4)]
    t = compare_ladders(ours, REFERENCE)
    assert list(t["student"]) == ["minilm-l6"] and bool(t["inside"].iloc[0])


def test_the_note_counts_and_names_what_differs():
    t = compare_ladders([_row("minilm-l6", "xent", 0.5, 0, 1)], REFERENCE)
    here = dict(numerics=numerics(), machine="x86_64, 3.11.7")
    text = format_comparison(t, here, dict(numerics={**here["numerics"], "threads": 64}, machine=here["machine"]))
    assert "0 of 1 PGRs inside" in text and "NO" in text and "threads 64" in text and "the same)" not in text
    assert "the same)" in format_comparison(t, here, here)
    assert "not recorded" in format_comparison(t, here, {})  # summaries written before numerics were recorded


def test_the_cli_prints_the_comparison_and_skips_the_reference_itself(tmp_path, capsys):
    ref = tmp_path / "figures"
    ref.mkdir()
    (ref / "summary.json").write_text(json.dumps(dict(ladder=REFERENCE)))
    ours = dict(ladder=[_row("minilm-l6", "xent", 0.30, 0.1, 0.5)], numerics=numerics())
    _compare_with_reference(ours, str(tmp_path / "out"), str(ref))
    out = capsys.readouterr().out
    assert "1 of 1 PGRs inside" in out and "+0.33 [+0.20, +0.44]" in out
    _compare_with_reference(ours, str(ref), str(ref))  # make demo-reference writes the reference itself
    _compare_with_reference(ours, str(tmp_path / "out"), "")  # --reference ''
    assert capsys.readouterr().out == ""


def test_a_reference_without_a_summary_is_a_usage_error_before_anything_runs(tmp_path, capsys):
    from w2s_lib.cli.main import main

    code = main(["sandbox", "--out", str(tmp_path / "out"), "--reference", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "holds no summary.json" in err, err
    assert not (tmp_path / "out").exists()
