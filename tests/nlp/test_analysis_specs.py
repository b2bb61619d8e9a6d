"""The specs of the NLP analysis and laptop notebooks (w2s_lib/nlp/analysis_specs.py): their checks, and what
they plan before anything runs (tests/core/test_spec.py checks their plans against the notebooks')."""

import pandas as pd
import pytest

from w2s_lib.nlp import analysis_specs
from w2s_lib.specs import notebook_spec

SMOKE = dict(tasks=["synth_sentiment"], models=["tiny-1", "tiny-2", "tiny-3"], seeds=[0], n_train=40, n_test=10)
LAPTOP = dict(SMOKE, tasks=["sandbox_vader"], models=["scratch-1", "minilm-l1", "minilm-l6"], setting="laptop")


def test_the_variants_are_of_the_weakest_supervisor_and_largest_student():
    spec = notebook_spec("fig25_fig26_error_structures", LAPTOP)
    assert spec.pair == ("scratch-1", "minilm-l6")
    students = [c for c in spec.plan() if c.labels == "weak"]
    assert {(c.weak.model, c.model) for c in students} == {spec.pair}
    assert len(students) == 6 * 2  # every error structure, both losses
    prompts = notebook_spec("fig27_label_in_prompt", SMOKE).plan()
    assert [c.weak_label_in_prompt for c in prompts if c.labels == "weak"] == [False, False, True, True]


def test_a_bad_variant_is_refused_with_the_valid_choices():
    with pytest.raises(ValueError, match="unknown run option 'weak_error' in a variant; valid: data, model"):
        analysis_specs.PairVariantsSpec.from_params(SMOKE, variants=[{"weak_error": "random"}])
    with pytest.raises(ValueError, match="unknown weak_errors 'sideways'; valid: real, random"):
        analysis_specs.PairVariantsSpec.from_params(SMOKE, variants=[{"weak_errors": "sideways"}])


def test_difficulty_lists_every_grader_and_trains_them_before_reading_any(monkeypatch):
    spec = notebook_spec("fig21_difficulty_cutoffs", dict(SMOKE, seeds=[0, 1]))
    runs = spec.runs("unused")
    assert [(r.config.data.seed, r.config.model) for r in runs] == [(s, m) for s in (0, 1) for m in SMOKE["models"]]
    assert {(r.config.labels, r.config.half) for r in runs} == {("gt", "A")}
    calls = []
    monkeypatch.setattr(analysis_specs, "run_difficulty_graders", lambda g, root, progress: calls.append("train"))
    monkeypatch.setattr(
        analysis_specs, "difficulty_results", lambda g, root, progress: calls.append("read") or pd.DataFrame()
    )
    spec.run("unused")
    assert calls == ["train", "train", "read", "read"]


def test_per_task_sizes_and_supervisors_are_checked():
    params = dict(SMOKE, sizes={"synth_sentiment": [100, 20, 16]})
    (plan,) = notebook_spec("paper_tasks_offline", params).plans()
    assert {(c.data.n_train, c.data.n_test, c.train.max_len) for c in plan.runs} == {(100, 20, 16)}
    with pytest.raises(ValueError, match=r"sizes of 'synth_sentiment' must be \[n_train, n_test, max_len\]"):
        notebook_spec("paper_tasks_offline", dict(SMOKE, sizes={"synth_sentiment": [100, 20]}))
    with pytest.raises(ValueError, match="student_supervisors .* are not students here; students: minilm-l1"):
        notebook_spec("paper_tasks_offline", dict(LAPTOP, student_supervisors=["scratch-1"]))


def test_the_example_protocol_is_one_task_and_seed():
    params = dict(SMOKE, task="synth_keyword", seed=3, models=["tiny-1", "tiny-2"], losses=["xent", "logconf"])
    spec = notebook_spec("example_protocol", params)
    assert spec.tasks == ("synth_keyword",) and spec.seeds == (3,)
    assert len(spec.plan()) == 1 + 1 + 2  # a supervisor, a ceiling, a student per loss


def test_the_walkthrough_takes_pretrained_students_only():
    spec = notebook_spec("sandbox_walkthrough", {"seeds": [0, 1], "students": ["minilm-l6"]})
    weak, ceilings, students = spec.plan()
    assert {c.model for c in students} == {"minilm-l6"} and {c.data.seed for c in weak} == {0, 1}
    with pytest.raises(ValueError, match="none of the supervisors .*; e.g. minilm-l1, minilm-l6"):
        notebook_spec("sandbox_walkthrough", {"seeds": [0], "students": ["scratch-1"]})
    with pytest.raises(ValueError, match="no seeds given"):
        notebook_spec("sandbox_walkthrough", {"seeds": [], "students": ["minilm-l6"]})
