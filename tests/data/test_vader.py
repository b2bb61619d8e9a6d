"""The VADER sandbox task: real raters' labels, laid out like the animal sandbox (disjoint vocabularies)."""

from __future__ import annotations

import importlib.metadata as md

import pytest

from w2s_lib.data import load_items, vader

# Lines in the real file's format: token, mean, std, the ten raters' scores (tab-separated).
LINES = [
    "$:\t-1.5\t0.80623\t[-1, -1, -1, -1, -3, -1, -3, -1, -2, -1]",  # an emoticon: dropped
    "meh\t-0.3\t0.45826\t[0, 0, -1, 0, 0, -1, 0, 0, -1, 0]",  # |mean| < 1: dropped
    "lol\t1.9\t0.9\t[2, 2, 1, 3, 2, 2, 1, 3, 2, 1]",
]


def _lexicon(tmp_path, n_words=60):
    lines = list(LINES)
    for i in range(n_words):
        sign = 1 if i % 2 else -1
        name = "".join(chr(97 + int(d)) for d in f"{i:03d}")  # aaa, aab, ...: alphabetic, lower case
        lines.append(f"w{name}\t{sign * 2.0}\t0.5\t[{', '.join([str(sign * 2)] * 9 + ['0'])}]")
    path = tmp_path / "vader_lexicon.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_parse_keeps_alphabetic_words_with_a_clear_sentiment():
    rows = vader.parse_lexicon("\n".join(LINES))
    assert [r["word"] for r in rows] == ["lol"]
    assert rows[0]["mean"] == 1.9 and rows[0]["std"] == 0.9 and len(rows[0]["ratings"]) == 10


def test_vocabularies_are_disjoint_and_halves_follow_them(tmp_path, monkeypatch):
    monkeypatch.setattr(vader, "lexicon_path", lambda: _lexicon(tmp_path))
    voc = vader.vocabularies(vader._words(str(_lexicon(tmp_path))), seed=0)
    words = {v: {w["word"] for label in (0, 1) for w in voc[v][label]} for v in voc}
    assert not (words["weak"] & words["student"]) and not (words["weak"] & words["novel"])
    assert not (words["student"] & words["novel"])
    train = load_items("sandbox_vader", "train", 200, seed=0)
    a = {it["word"] for it in train if it["half"] == "A"}
    b = {it["word"] for it in train if it["half"] == "B"}
    assert a <= words["weak"] and b & words["student"] and not b & words["novel"]
    test = load_items("sandbox_vader", "test", 90, seed=0)
    assert sum(it["hard_label"] for it in test) == 45
    assert {it["source"] for it in test} == {"weak", "student", "novel"}
    # labels are the raters' sign; agreement counts the raters on that side (9 of 10 here)
    assert all((it["rating_mean"] > 0) == bool(it["hard_label"]) and it["agreement"] == 0.9 for it in test)


def test_a_missing_package_names_the_install_command(monkeypatch):
    def missing(name):
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "distribution", missing)
    with pytest.raises(ValueError, match=r"pip install --no-deps vaderSentiment==3\.3\.2"):
        vader.lexicon_path()


def test_the_real_lexicon_where_installed():
    try:
        path = vader.lexicon_path()
    except ValueError:
        pytest.skip("vaderSentiment is not installed (make laptop-models installs it)")
    words = vader._words(str(path))
    assert len(words) == 5586 and sum(w["mean"] > 0 for w in words) == 2442  # counted on 3.3.2
