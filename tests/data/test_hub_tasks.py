"""Offline tests of the Hub task formatters: hand-written rows in each dataset's real schema.

Field names and label encodings follow the dataset cards (see each spec's ``notes``). No network.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from w2s_lib.data.hub_tasks import HUB_TASKS, ethics_justice_to_binary
from w2s_lib.data.spec import TaskSpec

PAPER_TASKS = {
    "sciq",
    "boolq",
    "cosmos_qa",
    "dream",
    "ethics_justice",
    "ethics_deontology",
    "ethics_virtue",
    "ethics_utilitarianism",
    "anli_r2",
    "cola",
    "sst2",
    "hellaswag",
    "mc_taco",
    "openbookqa",
    "paws",
    "quail",
    "piqa",
    "quartz",
    "social_i_qa",
    "multirc",
    "wic",
    "twitter_sentiment",
}


def run(name: str, rows: list[dict], seed: int = 0) -> list[dict]:
    return HUB_TASKS[name].to_binary(rows, random.Random(seed))


def by_group(items: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        out[it["group"]].append(it)
    return out


def assert_items(items: list[dict]) -> None:
    for it in items:
        assert set(it) == {"txt", "hard_label", "group"}
        assert isinstance(it["txt"], str) and it["txt"]
        assert it["hard_label"] in (0, 1)
        assert isinstance(it["group"], str) and it["group"]


def assert_mc(items: list[dict], n_questions: int) -> dict[str, list[dict]]:
    """One right + one wrong item per question, each question its own group."""
    assert_items(items)
    groups = by_group(items)
    assert len(groups) == n_questions
    for its in groups.values():
        assert sorted(it["hard_label"] for it in its) == [0, 1]
    return groups


# ---------------------------------------------------------------------------- registry-level checks


def test_registry_has_every_task():
    assert PAPER_TASKS | {"amazon_polarity", "anthropic_hh"} == set(HUB_TASKS)
    for name, spec in HUB_TASKS.items():
        assert isinstance(spec, TaskSpec) and spec.name == name


@pytest.mark.parametrize("name", sorted(HUB_TASKS))
def test_spec_fields(name):
    spec = HUB_TASKS[name]
    assert spec.hub_id and "/" in spec.hub_id
    assert "train" in spec.splits and "test" in spec.splits
    assert spec.splits["train"] != spec.splits["test"]
    assert callable(spec.to_binary)
    assert spec.notes.strip()
    assert not spec.synthetic
    assert spec.to_binary([], random.Random(0)) == []


def test_expected_sources():
    expect = {
        "anli_r2": ("facebook/anli", "plain_text", "train_r2", "test_r2"),
        "ethics_utilitarianism": ("hendrycks/ethics", None, "train", "validation"),
        "paws": ("google-research-datasets/paws", "labeled_final", "train", "test"),
        "multirc": ("aps/super_glue", "multirc", "train", "validation"),
        "wic": ("aps/super_glue", "wic", "train", "validation"),
        "cola": ("nyu-mll/glue", "cola", "train", "validation"),
        "mc_taco": ("CogComp/mc_taco", None, "test", "validation"),
    }
    for name, (hub, cfg, train, test) in expect.items():
        s = HUB_TASKS[name]
        assert (s.hub_id, s.config, s.splits["train"], s.splits["test"]) == (hub, cfg, train, test)
    # the ETHICS export holds five configs as folders: data_dir picks one (tests/data/test_hub_layouts.py)
    assert HUB_TASKS["ethics_utilitarianism"].data_dir == "utilitarianism"


# ---------------------------------------------------------------------------- multiple choice


SCIQ = [
    {
        "question": "What type of organism is commonly used in preparation of foods such as cheese and yogurt?",
        "distractor3": "viruses",
        "distractor1": "protozoa",
        "distractor2": "gymnosperms",
        "correct_answer": "mesophilic organisms",
        "support": "Mesophiles grow best in moderate temperature...",
    },
    {
        "question": "What phenomenon makes global winds blow northeast to southwest?",
        "distractor3": "tropical effect",
        "distractor1": "muon effect",
        "distractor2": "centrifugal effect",
        "correct_answer": "coriolis effect",
        "support": "",
    },
]


def test_sciq():
    items = run("sciq", SCIQ)
    groups = assert_mc(items, 2)
    right = [it["txt"] for it in items if it["hard_label"]]
    assert (
        "Question: What type of organism is commonly used in preparation of foods such as cheese and "
        "yogurt?\nAnswer: mesophilic organisms"
    ) in right
    assert "Question: What phenomenon makes global winds blow northeast to southwest?\nAnswer: coriolis effect" in right
    for it in items:
        if not it["hard_label"]:
            assert it["txt"].rsplit("Answer: ", 1)[1] in {
                "viruses",
                "protozoa",
                "gymnosperms",
                "tropical effect",
                "muon effect",
                "centrifugal effect",
            }
    assert all(len(v) == 2 for v in groups.values())


def test_sciq_determinism_and_seed_dependence():
    rows = SCIQ * 1 + [dict(SCIQ[0], question=f"Q{i}?") for i in range(30)]
    assert run("sciq", rows, seed=3) == run("sciq", rows, seed=3)
    assert run("sciq", rows, seed=3) != run("sciq", rows, seed=4)


def test_sciq_skips_rows_without_answer():
    assert run("sciq", [dict(SCIQ[0], correct_answer=None), dict(SCIQ[0], question="")]) == []


COSMOS = [
    {
        "id": "a1",
        "context": "Good Old War and person L : I saw both of these bands Wednesday night .",
        "question": "In the future , will this person go to see other bands play ?",
        "answer0": "None of the above choices .",
        "answer1": "This person likes music and will see other bands play .",
        "answer2": "This person only likes Good Old War .",
        "answer3": "Other bands are not on tour .",
        "label": 1,
    },
    {
        "id": "a2",
        "context": "Good Old War and person L : I saw both of these bands Wednesday night .",
        "question": "Why did they go ?",
        "answer0": "They like the bands .",
        "answer1": "They were bored .",
        "answer2": "None of the above choices .",
        "answer3": "They were paid .",
        "label": 0,
    },
    {
        "id": "a3",
        "context": "I was no longer needed at that position .",
        "question": "Why ?",
        "answer0": "A change of mind .",
        "answer1": "x",
        "answer2": "None of the above choices .",
        "answer3": "y",
        "label": 2,
    },  # right answer is "None of the above": no items
    {
        "id": "t",
        "context": "c",
        "question": "q",
        "answer0": "a",
        "answer1": "b",
        "answer2": "c",
        "answer3": "d",
        "label": -1,
    },  # hidden test label
]


def test_cosmos_qa():
    items = run("cosmos_qa", COSMOS)
    assert_items(items)
    assert len(items) == 4
    groups = by_group(items)
    assert len(groups) == 1  # both questions are on the same context
    assert Counter(it["hard_label"] for it in items) == {0: 2, 1: 2}
    assert all("none of the above" not in it["txt"].lower() for it in items)
    right = {it["txt"] for it in items if it["hard_label"]}
    assert right == {
        (
            "Context: Good Old War and person L : I saw both of these bands Wednesday night .\n"
            "Question: In the future , will this person go to see other bands play ?\n"
            "Answer: This person likes music and will see other bands play ."
        ),
        (
            "Context: Good Old War and person L : I saw both of these bands Wednesday night .\n"
            "Question: Why did they go ?\nAnswer: They like the bands ."
        ),
    }


DREAM = [
    {
        "id": 0,
        "dialogue_id": "5-510",
        "dialogue": [
            "M: I am considering dropping my dancing class. I am not making any progress.",
            "W: If I were you, I stick with it. It's definitely worth time and effort.",
        ],
        "question": "What does the man suggest the woman do?",
        "choice": ["Consult her dancing teacher.", "Take a more interesting class.", "Continue her dancing class."],
        "answer": "Continue her dancing class.",
    },
    {
        "id": 1,
        "dialogue_id": "5-510",
        "dialogue": [
            "M: I am considering dropping my dancing class. I am not making any progress.",
            "W: If I were you, I stick with it. It's definitely worth time and effort.",
        ],
        "question": "How does the man feel?",
        "choice": ["Stuck.", "Happy.", "Tired."],
        "answer": "Stuck.",
    },
    {
        "id": 2,
        "dialogue_id": "9-1",
        "dialogue": ["W: Hi.", "M: Hello."],
        "question": "Who speaks first?",
        "choice": ["The woman.", "The man.", "Nobody."],
        "answer": "The woman.",
    },
    {
        "id": 3,
        "dialogue_id": "9-2",
        "dialogue": ["W: Hi."],
        "question": "q",
        "choice": ["a", "b", "c"],
        "answer": "not a choice",
    },
]


def test_dream():
    items = run("dream", DREAM)
    assert_items(items)
    groups = by_group(items)
    assert len(groups) == 2 and sorted(len(v) for v in groups.values()) == [2, 4]
    assert (
        "Dialogue:\nM: I am considering dropping my dancing class. I am not making any progress.\n"
        "W: If I were you, I stick with it. It's definitely worth time and effort.\n"
        "Question: What does the man suggest the woman do?\nAnswer: Continue her dancing class."
    ) in {it["txt"] for it in items if it["hard_label"]}
    assert Counter(it["hard_label"] for it in items) == {0: 3, 1: 3}


HELLASWAG = [
    {
        "ind": 4,
        "activity_label": "Removing ice from car",
        "ctx_a": "Then, the man writes over the snow covering the window of a car, "
        "and a woman wearing winter clothes smiles.",
        "ctx_b": "then",
        "ctx": "Then, the man writes over the snow covering the window of a car, "
        "and a woman wearing winter clothes smiles. then",
        "endings": [
            ", the man adds wax to the windshield and cuts it.",
            ", a person board a ski lift.",
            ", the man puts on a christmas coat.",
            ", the man continues removing the snow on his car.",
        ],
        "source_id": "activitynet~v_-1IBHYS3L-Y",
        "split": "train",
        "split_type": "indomain",
        "label": "3",
    },
    {
        "ind": 5,
        "activity_label": "Removing ice from car",
        "ctx_a": "x",
        "ctx_b": "y",
        "ctx": "Another context",
        "endings": ["e0", "e1", "e2", "e3"],
        "source_id": "activitynet~v_-1IBHYS3L-Y",
        "split": "train",
        "split_type": "indomain",
        "label": "0",
    },
    {
        "ind": 9,
        "activity_label": "a",
        "ctx_a": "",
        "ctx_b": "",
        "ctx": "test ctx",
        "endings": ["a", "b", "c", "d"],
        "source_id": "wikihow~1",
        "split": "test",
        "split_type": "indomain",
        "label": "",
    },
]


def test_hellaswag():
    items = run("hellaswag", HELLASWAG)
    assert_items(items)
    assert len(items) == 4 and len(by_group(items)) == 1  # same source video, test row skipped
    right = {it["txt"] for it in items if it["hard_label"]}
    assert right == {
        (
            "Context: Removing ice from car: Then, the man writes over the snow covering the window of a car, and a "
            "woman wearing winter clothes smiles. then\nEnding: , the man continues removing the snow on his car."
        ),
        "Context: Removing ice from car: Another context\nEnding: e0",
    }


OPENBOOKQA = [
    {
        "id": "7-980",
        "question_stem": "The sun is responsible for",
        "choices": {
            "text": [
                "puppies learning new tricks",
                "children growing up and getting old",
                "flowers wilting in a vase",
                "plants sprouting, blooming and wilting",
            ],
            "label": ["A", "B", "C", "D"],
        },
        "answerKey": "D",
    },
    {
        "id": "7-584",
        "question_stem": "When standing miles away from Mount Rushmore",
        "choices": {
            "text": [
                "the mountains seem very close",
                "the mountains are boring",
                "the mountains look the same as from up close",
                "the mountains seem smaller than in photographs",
            ],
            "label": ["A", "B", "C", "D"],
        },
        "answerKey": "D",
    },
]


def test_openbookqa():
    items = run("openbookqa", OPENBOOKQA)
    assert_mc(items, 2)
    assert "Question: The sun is responsible for\nAnswer: plants sprouting, blooming and wilting" in {
        it["txt"] for it in items if it["hard_label"]
    }


QUAIL = [
    {
        "id": "f001_0",
        "context_id": "f001",
        "question_id": "0",
        "domain": "fiction",
        "metadata": {"author": "a", "title": "t", "url": "u"},
        "context": "That fall came and I went back to Michigan and the school year went by.",
        "question": "After this story, the narrator probably:",
        "question_type": "Temporal_order",
        "answers": ["went back to school", "moved away", "not enough information", "died"],
        "correct_answer_id": 0,
    },
    {
        "id": "f001_1",
        "context_id": "f001",
        "question_id": "1",
        "domain": "fiction",
        "metadata": {"author": "a", "title": "t", "url": "u"},
        "context": "That fall came and I went back to Michigan and the school year went by.",
        "question": "Where did the narrator go?",
        "question_type": "Factual",
        "answers": ["Ohio", "Michigan", "not enough information", "Texas"],
        "correct_answer_id": 1,
    },
]


def test_quail():
    items = run("quail", QUAIL)
    assert_items(items)
    assert len(items) == 4 and len(by_group(items)) == 1  # same passage
    assert (
        "Context: That fall came and I went back to Michigan and the school year went by.\n"
        "Question: Where did the narrator go?\nAnswer: Michigan"
    ) in {it["txt"] for it in items if it["hard_label"]}


PIQA = [
    {
        "goal": "When boiling butter, when it's ready, you can",
        "sol1": "Pour it onto a plate",
        "sol2": "Pour it into a jar",
        "label": 1,
    },
    {
        "goal": "To make a hard boiled egg",
        "sol1": "put the egg in boiling water",
        "sol2": "put the egg in ice",
        "label": 0,
    },
    {"goal": "hidden", "sol1": "a", "sol2": "b", "label": -1},
]


def test_piqa():
    items = run("piqa", PIQA)
    assert_mc(items, 2)
    assert {it["txt"]: it["hard_label"] for it in items} == {
        "Goal: When boiling butter, when it's ready, you can\nSolution: Pour it onto a plate": 0,
        "Goal: When boiling butter, when it's ready, you can\nSolution: Pour it into a jar": 1,
        "Goal: To make a hard boiled egg\nSolution: put the egg in boiling water": 1,
        "Goal: To make a hard boiled egg\nSolution: put the egg in ice": 0,
    }


QUARTZ = [
    {
        "id": "QRQA-10116-3",
        "question": "Would the speed of sound be faster or slower in a denser medium?",
        "choices": {"text": ["faster", "slower"], "label": ["A", "B"]},
        "answerKey": "A",
        "para": "Sound travels faster in denser media.",
        "para_id": "QRSent-10116",
        "para_anno": {
            "effect_prop": "speed",
            "cause_dir_str": "denser",
            "effect_dir_str": "faster",
            "cause_dir_sign": "MORE",
            "effect_dir_sign": "MORE",
            "cause_prop": "density",
        },
        "question_anno": {},
    },
    {
        "id": "QRQA-10116-4",
        "question": "In a less dense medium sound moves",
        "choices": {"text": ["faster", "slower"], "label": ["A", "B"]},
        "answerKey": "B",
        "para": "Sound travels faster in denser media.",
        "para_id": "QRSent-10116",
        "para_anno": {},
        "question_anno": {},
    },
]


def test_quartz():
    items = run("quartz", QUARTZ)
    assert_items(items)
    assert len(items) == 4 and len(by_group(items)) == 1  # same paragraph
    assert {it["txt"]: it["hard_label"] for it in items}[
        "Context: Sound travels faster in denser media.\nQuestion: In a less dense medium sound moves\nAnswer: slower"
    ] == 1


SOCIAL_I_QA = [
    {
        "context": "Cameron decided to have a barbecue and gathered her friends together.",
        "question": "How would Others feel as a result?",
        "answerA": "like attending",
        "answerB": "like staying home",
        "answerC": "a good friend to have",
        "label": "1",
    },
    {
        "context": "Cameron decided to have a barbecue and gathered her friends together.",
        "question": "What will Cameron want to do next?",
        "answerA": "leave",
        "answerB": "cook food",
        "answerC": "sleep",
        "label": "2\n",
    },  # old copies carry a trailing newline
    {
        "context": "Jan went to the store.",
        "question": "Why?",
        "answerA": "x",
        "answerB": "y",
        "answerC": "z",
        "label": "3",
    },
]


def test_social_i_qa():
    items = run("social_i_qa", SOCIAL_I_QA)
    assert_items(items)
    assert len(items) == 6 and len(by_group(items)) == 2
    right = {it["txt"] for it in items if it["hard_label"]}
    assert right == {
        (
            "Context: Cameron decided to have a barbecue and gathered her friends together.\n"
            "Question: How would Others feel as a result?\nAnswer: like attending"
        ),
        (
            "Context: Cameron decided to have a barbecue and gathered her friends together.\n"
            "Question: What will Cameron want to do next?\nAnswer: cook food"
        ),
        "Context: Jan went to the store.\nQuestion: Why?\nAnswer: z",
    }


MC_TACO = [
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "How many years did it take for Mark to become a judge?",
        "answer": "63 years",
        "label": 0,
        "category": 0,
    },
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "How many years did it take for Mark to become a judge?",
        "answer": "7 weeks",
        "label": 0,
        "category": 0,
    },
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "How many years did it take for Mark to become a judge?",
        "answer": "7 years",
        "label": 1,
        "category": 0,
    },
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "How many years did it take for Mark to become a judge?",
        "answer": "10 years",
        "label": 1,
        "category": 0,
    },
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "How many years did it take for Mark to become a judge?",
        "answer": "2 seconds",
        "label": 0,
        "category": 0,
    },
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "What did Mark do right after he found out that he became a judge?",
        "answer": "he cried",
        "label": 1,
        "category": 1,
    },
    {
        "sentence": "Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.",
        "question": "What did Mark do right after he found out that he became a judge?",
        "answer": "he went to sleep for a year",
        "label": 0,
        "category": 1,
    },
    {"sentence": "Other sentence.", "question": "Only right answers?", "answer": "yes", "label": 1, "category": 2},
]


def test_mc_taco():
    items = run("mc_taco", MC_TACO)
    assert_items(items)
    # Q1: 2 right + 2 of 3 wrong; Q2: 1 + 1; Q3 has no wrong answer -> nothing. One sentence -> one group.
    assert len(items) == 6 and len(by_group(items)) == 1
    assert Counter(it["hard_label"] for it in items) == {0: 3, 1: 3}
    q1 = [it for it in items if "How many years" in it["txt"]]
    assert sorted(it["txt"].rsplit("Answer: ", 1)[1] for it in q1 if it["hard_label"]) == ["10 years", "7 years"]
    assert (
        "Context: Growing up on a farm near St. Paul, L. Mark Bailey didn't dream of becoming a judge.\n"
        "Question: What did Mark do right after he found out that he became a judge?\nAnswer: he cried"
    ) in {it["txt"] for it in items if it["hard_label"]}


PARAGRAPH = "While this process moved along, diplomacy continued its rounds."


def _multirc_row(question: str, answer: str, q: int, a: int, label: int, paragraph: str = PARAGRAPH, p: int = 0):
    return dict(
        paragraph=paragraph, question=question, answer=answer, idx=dict(paragraph=p, question=q, answer=a), label=label
    )


MULTIRC = [
    _multirc_row("What did diplomacy do?", "Continued its rounds", 0, 0, 1),
    _multirc_row("What did diplomacy do?", "Stopped", 0, 1, 0),
    _multirc_row("What did diplomacy do?", "Kept going", 0, 2, 1),
    _multirc_row("What moved along?", "The process", 1, 3, 1),
    _multirc_row("What moved along?", "A car", 1, 4, 0),
    _multirc_row("q", "a", 2, 5, -1, paragraph="Test paragraph.", p=1),  # an unlabelled test row
]


def test_multirc():
    items = run("multirc", MULTIRC)
    assert_items(items)
    assert len(items) == 4 and len(by_group(items)) == 1
    q1 = [it for it in items if "What did diplomacy do?" in it["txt"]]
    assert Counter(it["hard_label"] for it in q1) == {0: 1, 1: 1}
    assert (
        "Paragraph: While this process moved along, diplomacy continued its rounds.\n"
        "Question: What moved along?\nAnswer: The process"
    ) in {it["txt"] for it in items if it["hard_label"]}


# ---------------------------------------------------------------------------- pairs, single texts


BOOLQ = [
    {
        "question": "do iran and afghanistan speak the same language",
        "answer": True,
        "passage": "Persian language -- Persian is spoken in Iran and Afghanistan.",
    },
    {
        "question": "is persian spoken in japan",
        "answer": False,
        "passage": "Persian language -- Persian is spoken in Iran and Afghanistan.",
    },
    {"question": "is the sky blue", "answer": True, "passage": "Sky -- The sky appears blue."},
    {"question": "is the sky green", "answer": False, "passage": "Sky -- The sky appears blue."},
]


def test_boolq():
    items = run("boolq", BOOLQ)
    assert_items(items)
    assert items[0] == {
        "txt": "Passage: Persian language -- Persian is spoken in Iran and Afghanistan.\n"
        "Question: do iran and afghanistan speak the same language?",
        "hard_label": 1,
        "group": items[1]["group"],
    }
    assert [it["hard_label"] for it in items] == [1, 0, 1, 0]
    assert items[2]["group"] == items[3]["group"] != items[0]["group"]


ANLI = [
    {
        "uid": "1",
        "premise": "The Parma trolleybus system forms part of the public transport network of Parma.",
        "hypothesis": "Parma has trolleybuses.",
        "label": 0,
        "reason": "",
    },
    {
        "uid": "2",
        "premise": "The Parma trolleybus system forms part of the public transport network of Parma.",
        "hypothesis": "The system opened in 1953.",
        "label": 1,
        "reason": "",
    },
    {"uid": "3", "premise": "A dog runs.", "hypothesis": "A cat sleeps.", "label": 2, "reason": ""},
    {"uid": "4", "premise": "A dog runs.", "hypothesis": "An animal moves.", "label": 0, "reason": ""},
]


def test_anli_r2():
    items = run("anli_r2", ANLI)
    assert_items(items)
    assert [it["hard_label"] for it in items] == [1, 0, 0, 1]  # neutral and contradiction are 0
    assert items[0]["txt"] == (
        "Premise: The Parma trolleybus system forms part of the public transport network of Parma.\n"
        "Hypothesis: Parma has trolleybuses.\nQuestion: Does the premise entail the hypothesis?"
    )
    assert items[0]["group"] == items[1]["group"] != items[2]["group"] == items[3]["group"]


def test_anli_rebalances_to_half():
    rows = [dict(ANLI[0], uid=str(i), hypothesis=f"h{i}", label=i % 3) for i in range(30)]
    items = run("anli_r2", rows)
    assert Counter(it["hard_label"] for it in items) == {0: 10, 1: 10}  # 10 entail vs 20 others -> 10/10


PAWS = [
    {
        "id": 1,
        "sentence1": "In Paris , in October 1560 , he secretly met the English ambassador .",
        "sentence2": "In October 1560 , he secretly met with the English ambassador in Paris .",
        "label": 1,
    },
    {
        "id": 2,
        "sentence1": "In Paris , in October 1560 , he secretly met the English ambassador .",
        "sentence2": "In Paris , in October 1560 , the English ambassador secretly met him .",
        "label": 0,
    },
    {"id": 3, "sentence1": "The NBA season of 1975 .", "sentence2": "The 1975 NBA season .", "label": 1},
    {"id": 4, "sentence1": "The NBA season of 1975 .", "sentence2": "The 1975 season of the NHL .", "label": 0},
]


def test_paws():
    items = run("paws", PAWS)
    assert_items(items)
    assert [it["hard_label"] for it in items] == [1, 0, 1, 0]
    assert items[0]["txt"] == (
        "Sentence 1: In Paris , in October 1560 , he secretly met the English ambassador .\n"
        "Sentence 2: In October 1560 , he secretly met with the English ambassador in Paris .\n"
        "Question: Do the two sentences mean the same thing?"
    )
    assert items[0]["group"] == items[1]["group"] != items[2]["group"] == items[3]["group"]


WIC = [
    {
        "word": "place",
        "sentence1": "Do you want to come over to my place later?",
        "sentence2": "A political system with no place for the less prominent groups.",
        "start1": 31,
        "start2": 27,
        "end1": 36,
        "end2": 32,
        "idx": 0,
        "label": 0,
    },
    {
        "word": "place",
        "sentence1": "Do you want to come over to my place later?",
        "sentence2": "Let's meet at your place.",
        "start1": 31,
        "start2": 19,
        "end1": 36,
        "end2": 24,
        "idx": 1,
        "label": 1,
    },
    {
        "word": "beat",
        "sentence1": "We beat the competition.",
        "sentence2": "Agassi beat Becker in the tennis championship.",
        "start1": 3,
        "start2": 7,
        "end1": 7,
        "end2": 11,
        "idx": 2,
        "label": 1,
    },
    {
        "word": "Beat",
        "sentence1": "We beat the competition.",
        "sentence2": "The drummer kept the beat.",
        "start1": 3,
        "start2": 23,
        "end1": 7,
        "end2": 27,
        "idx": 3,
        "label": 0,
    },
    {
        "word": "x",
        "sentence1": "a",
        "sentence2": "b",
        "start1": 0,
        "start2": 0,
        "end1": 1,
        "end2": 1,
        "idx": 4,
        "label": -1,
    },
]


def test_wic():
    items = run("wic", WIC)
    assert_items(items)
    assert [it["hard_label"] for it in items] == [0, 1, 1, 0]
    assert items[0]["txt"] == (
        "Sentence 1: Do you want to come over to my place later?\n"
        "Sentence 2: A political system with no place for the less prominent groups.\n"
        'Question: Is the word "place" used with the same meaning in both sentences?'
    )
    assert items[0]["group"] == items[1]["group"] != items[2]["group"] == items[3]["group"]  # case-insensitive


def test_cola():
    rows = [
        {"sentence": "Our friends won't buy this analysis, let alone the next one we propose.", "label": 1, "idx": 0},
        {"sentence": "They drank the pub.", "label": 0, "idx": 1},
        {"sentence": "Hidden test sentence.", "label": -1, "idx": 2},
    ]
    items = run("cola", rows)
    assert_items(items)
    assert [(it["txt"], it["hard_label"]) for it in items] == [
        (
            (
                "Sentence: Our friends won't buy this analysis, let alone the next one we propose.\n"
                "Question: Is this sentence grammatically acceptable?"
            ),
            1,
        ),
        ("Sentence: They drank the pub.\nQuestion: Is this sentence grammatically acceptable?", 0),
    ]
    assert items[0]["group"] != items[1]["group"]


def test_sst2():
    rows = [
        {"idx": 0, "sentence": "hide new secretions from the parental units ", "label": 0},
        {"idx": 1, "sentence": "that loves its characters ", "label": 1},
        {"idx": 2, "sentence": "test", "label": -1},
    ]
    items = run("sst2", rows)
    assert [(it["txt"], it["hard_label"]) for it in items] == [
        ("Review: hide new secretions from the parental units\nQuestion: Is the sentiment of this review positive?", 0),
        ("Review: that loves its characters\nQuestion: Is the sentiment of this review positive?", 1),
    ]


def test_amazon_polarity():
    rows = [
        {"label": 1, "title": "Great CD", "content": "My lovely Pat has one of the GREAT voices of her generation."},
        {"label": 0, "title": "Buyer beware", "content": "This is a self-published book, and if you want to know why."},
    ]
    items = run("amazon_polarity", rows)
    assert_items(items)
    assert items[0]["txt"] == (
        "Title: Great CD\nReview: My lovely Pat has one of the GREAT voices of her "
        "generation.\nQuestion: Is the sentiment of this review positive?"
    )
    assert [it["hard_label"] for it in items] == [1, 0]
    assert items[0]["group"] != items[1]["group"]


def test_twitter_sentiment():
    rows = [
        {"text": "@user I love this so much!", "label": 1},
        {"text": "worst day ever", "label": 0},
        {"text": "no label", "label": None},
    ]
    items = run("twitter_sentiment", rows)
    assert [(it["txt"], it["hard_label"]) for it in items] == [
        ("Tweet: @user I love this so much!\nQuestion: Is the sentiment of this tweet positive?", 1),
        ("Tweet: worst day ever\nQuestion: Is the sentiment of this tweet positive?", 0),
    ]


HH = [
    {
        "chosen": "\n\nHuman: What are some cuss words in english?\n\nAssistant: I'd rather not list those.",
        "rejected": "\n\nHuman: What are some cuss words in english?\n\nAssistant: Here's an incomplete list: ...",
    },
    {
        "chosen": "\n\nHuman: What kind of noises did dinosaurs make?\n\nAssistant: Humans and dinosaurs didn't live "
        "at the same time, so it's hard to say.\n\nHuman: yes they did\n\nAssistant: I'm afraid not.",
        "rejected": "\n\nHuman: What kind of noises did dinosaurs make?\n\nAssistant: Humans and dinosaurs didn't live "
        "at the same time, so it's hard to say.\n\nHuman: yes they did\n\nAssistant: Sure, you're right.",
    },
    {"chosen": "\n\nHuman: hi\n\nAssistant: same", "rejected": "\n\nHuman: hi\n\nAssistant: same"},  # no preference
]


def test_anthropic_hh():
    items = run("anthropic_hh", HH)
    groups = assert_mc(items, 2)
    labelled = {it["txt"]: it["hard_label"] for it in items}
    assert labelled["Human: What are some cuss words in english?\n\nAssistant: I'd rather not list those."] == 1
    assert labelled["Human: What are some cuss words in english?\n\nAssistant: Here's an incomplete list: ..."] == 0
    assert all(it["txt"].startswith("Human:") for it in items)
    assert all(len(v) == 2 for v in groups.values())


# ---------------------------------------------------------------------------- ETHICS


def test_ethics_justice():
    rows = [
        {"label": 1, "scenario": "I deserve to be paid by my boss because I keep her house clean daily."},
        {"label": 0, "scenario": "I deserve to be paid by my boss because I took a nap."},
        {"label": 0, "scenario": "I usually give my kids a treat, but not today because they threw food."},
    ]
    items = run("ethics_justice", rows)
    assert_items(items)
    assert items[0]["txt"] == (
        "Statement: I deserve to be paid by my boss because I keep her house clean daily.\n"
        "Question: Is this reasonable?"
    )
    # 1 vs 2 -> rebalanced to one of each; the two "I deserve to be paid" variants share a group
    labels = [it["hard_label"] for it in items]
    assert sorted(labels) == [0, 1] and items[0]["hard_label"] == 1
    raw = ethics_justice_to_binary(rows, random.Random(0))  # before the 55% rule drops an item
    assert [it["hard_label"] for it in raw] == [1, 0, 0]
    assert raw[0]["group"] == raw[1]["group"] != raw[2]["group"]


def test_ethics_deontology():
    rows = [
        {
            "label": 0,
            "scenario": "Aren't you supposed to be preparing for the meeting?",
            "excuse": "No because you don't have a meeting",
        },
        {
            "label": 1,
            "scenario": "Aren't you supposed to be preparing for the meeting?",
            "excuse": "No because the meeting was cancelled",
        },
        {"label": 1, "scenario": "I am a teacher.", "excuse": "So I should grade homework."},
        {"label": 0, "scenario": "I am a teacher.", "excuse": "So I should eat lunch in class."},
    ]
    items = run("ethics_deontology", rows)
    assert_items(items)
    assert [it["hard_label"] for it in items] == [0, 1, 1, 0]
    assert items[1]["txt"] == (
        "Scenario: Aren't you supposed to be preparing for the meeting?\n"
        "Response: No because the meeting was cancelled\nQuestion: Is this response reasonable?"
    )
    assert items[0]["group"] == items[1]["group"] != items[2]["group"] == items[3]["group"]


def test_ethics_virtue():
    sent = "Martha hired a new babysitter and was totally at ease with her."
    rows = [
        {"label": int(t == "trusting"), "scenario": f"{sent} [SEP] {t}"}
        for t in ["trusting", "resentful", "mean", "honest", "cruel"]
    ]
    rows.append({"label": 1, "scenario": "Jo gave away her lunch. [SEP] generous"})
    rows.append({"label": 0, "scenario": "Jo gave away her lunch. [SEP] selfish"})
    items = run("ethics_virtue", rows)
    groups = assert_mc(items, 2)
    assert f"Scenario: {sent}\nTrait: trusting\nQuestion: Does the person in the scenario show this trait?" in {
        it["txt"] for it in items if it["hard_label"]
    }
    assert all(len(v) == 2 for v in groups.values())


def test_ethics_utilitarianism():
    rows = [
        {"baseline": f"I ate a warm meal with my family {i}.", "less_pleasant": f"I ate cold leftovers alone {i}."}
        for i in range(40)
    ]
    items = run("ethics_utilitarianism", rows, seed=1)
    assert_items(items)
    assert len({it["group"] for it in items}) == len(items)
    for it in items:
        a = it["txt"].split("\n")[0].removeprefix("Scenario A: ")
        assert it["hard_label"] == int(a.startswith("I ate a warm meal"))
        assert it["txt"].endswith("Question: Is scenario A more pleasant than scenario B?")
    labels = Counter(it["hard_label"] for it in items)
    assert labels[0] > 0 and labels[1] > 0 and max(labels.values()) / len(items) <= 0.55
    assert run("ethics_utilitarianism", rows, seed=1) == items


# ---------------------------------------------------------------------------- cross-task properties

ALL_ROWS = {
    "sciq": SCIQ,
    "cosmos_qa": COSMOS,
    "dream": DREAM,
    "hellaswag": HELLASWAG,
    "openbookqa": OPENBOOKQA,
    "quail": QUAIL,
    "piqa": PIQA,
    "quartz": QUARTZ,
    "social_i_qa": SOCIAL_I_QA,
    "mc_taco": MC_TACO,
    "multirc": MULTIRC,
    "boolq": BOOLQ,
    "anli_r2": ANLI,
    "paws": PAWS,
    "wic": WIC,
    "anthropic_hh": HH,
}


@pytest.mark.parametrize("name", sorted(ALL_ROWS))
def test_deterministic_given_seed(name):
    rows = ALL_ROWS[name]
    assert run(name, rows, seed=7) == run(name, rows, seed=7)
    assert run(name, list(rows), seed=7) == run(name, rows, seed=7)


@pytest.mark.parametrize("name", sorted(ALL_ROWS))
def test_does_not_mutate_rows_or_touch_global_random(name):
    import copy

    rows = copy.deepcopy(ALL_ROWS[name])
    state = random.getstate()
    run(name, rows)
    assert random.getstate() == state
    assert rows == ALL_ROWS[name]


@pytest.mark.parametrize("name", sorted(HUB_TASKS))
def test_malformed_rows_are_skipped(name):
    bad = [{}, {"label": None}, {"label": -1}, {"label": ""}, {"text": None, "label": 1}]
    assert run(name, bad) == []


def test_numpy_and_pandas_style_values():
    """Rows that went through pandas carry NumPy scalars/arrays and NaN; they must not be dropped or crash."""
    np = pytest.importorskip("numpy")
    boolq = [dict(r, answer=np.bool_(r["answer"])) for r in BOOLQ]
    assert run("boolq", boolq) == run("boolq", BOOLQ)
    anli = [dict(r, label=np.int64(r["label"])) for r in ANLI]
    assert run("anli_r2", anli) == run("anli_r2", ANLI)
    hella = [dict(r, endings=np.array(r["endings"], dtype=object)) for r in HELLASWAG]
    assert run("hellaswag", hella) == run("hellaswag", HELLASWAG)
    obqa = [
        dict(r, choices={"text": np.array(r["choices"]["text"]), "label": np.array(r["choices"]["label"])})
        for r in OPENBOOKQA
    ]
    assert run("openbookqa", obqa) == run("openbookqa", OPENBOOKQA)
    assert run("cola", [{"sentence": float("nan"), "label": 1}, {"sentence": "ok", "label": float("nan")}]) == []
    amazon = [
        {"label": np.int64(1), "title": float("nan"), "content": "Fine."},
        {"label": 0, "title": "", "content": "Bad."},
    ]
    assert [it["txt"] for it in run("amazon_polarity", amazon)] == [
        "Review: Fine.\nQuestion: Is the sentiment of this review positive?",
        "Review: Bad.\nQuestion: Is the sentiment of this review positive?",
    ]
