"""The offline sandbox task: is the object in a sentence an animal? (issue 4's demo; design in the README)

Why it mirrors the paper's analogy: the label needs *knowledge of words* (that a heron is an animal and a
chisel is not). A model pretrained on text (the MiniLM encoder) has that knowledge for every word; a
model trained from scratch on the weak half can only learn the words it saw there. Each seed splits each
category's words into three disjoint vocabularies:

* weak (40%): the only words in half A, where supervisors train on ground truth;
* student-only (30%): appear in half B (with weak-vocabulary sentences making up the other half of B), so
  the supervisor labels them without having seen them;
* novel (30%): appear only in the test set.

The test set holds a third of each, so a supervisor that memorises its words scores about 2/3 and a
student that knows what words mean can recover the rest. Sentences come from neutral templates chosen
independently of the label, so no template predicts the class (a template that did would be learned by
the supervisor and copied by the student).
"""

from __future__ import annotations

import random

ANIMALS = """aardvark albatross alligator alpaca anteater antelope ape armadillo baboon badger barracuda bat beaver
bee beetle bison boar bobcat buffalo bull butterfly buzzard camel canary caribou carp cat caterpillar cheetah
chicken chimpanzee chipmunk cicada clam cobra cockroach cod condor cougar cow coyote crab crane cricket crocodile
crow deer dingo dog dolphin donkey dove dragonfly duck eagle eel elephant elk emu falcon ferret finch flamingo fox
frog gazelle gecko gerbil giraffe gnat goat goose gorilla grasshopper hamster hare hawk hedgehog heron hippo hornet
horse hyena ibis iguana jackal jaguar jellyfish kangaroo kingfisher koala ladybug lemur leopard lion lizard llama
lobster lynx macaw magpie mole mongoose monkey moose mosquito moth mouse mule octopus opossum orangutan ostrich otter
owl ox oyster panda panther parrot peacock pelican penguin pheasant pig pigeon piranha platypus porcupine possum
puffin puma quail rabbit raccoon rat raven reindeer rhino robin salamander salmon scorpion seal shark sheep shrimp
skunk sloth snail snake sparrow spider squid squirrel stork swan tapir termite tiger toad tortoise trout tuna turkey
turtle vulture walrus wasp weasel whale wolf wombat woodpecker worm yak zebra""".split()
OBJECTS = """anvil axe bucket broom brush bolt blender bottle bowl calculator candle carpet chisel clamp clock comb
compass corkscrew crowbar cup cushion desk drill drawer envelope eraser fan faucet file flashlight fork funnel
grater hammer hanger heater helmet hose iron jar jug kettle key knife ladder lamp lantern lock magnet mallet mattress
microwave mirror mop mug nail needle notebook oven pan pencil pen pillow pitcher plate pliers plunger pot printer
radio rake razor ruler saw scissors screw screwdriver shovel sieve sink skillet soap sofa spatula sponge spoon stapler
stool stove suitcase table tape teapot telephone thermometer toaster toothbrush towel tray trowel tweezers umbrella
vacuum vase wallet washer whisk wrench backpack basket battery blanket bookshelf briefcase cabinet camera chair
colander cooler crate dishwasher doorbell doormat dresser dustpan easel faucet freezer generator glue hairbrush
hairdryer headphones hook kettlebell keyboard ladle laptop lightbulb lunchbox mattock monitor napkin padlock
paintbrush paperclip pedal pestle pincushion pitchfork plug projector pulley purse quilt refrigerator remote rug
sandpaper satchel scale scraper sewing shears shelf shoehorn speaker spindle stapler strainer teacup thimble
toolbox tongs typewriter wheelbarrow wok""".split()
TEMPLATES = [
    "I saw the {} this morning.",
    "There is a {} in the picture.",
    "She pointed at the {} and smiled.",
    "He wrote the word {} on the board.",
    "The {} was mentioned in the story.",
    "We talked about the {} for a while.",
    "My friend asked me about the {}.",
    "They found a {} near the old house.",
    "Nobody expected to see a {} today.",
    "The children drew a {} in class.",
    "Someone left a note about the {}.",
    "I read an article about the {}.",
    "The teacher showed us a {}.",
    "Look, a {} over there!",
    "We could not stop thinking about the {}.",
    "The museum had an exhibit on the {}.",
    "A photo of a {} hung on the wall.",
    "He described the {} in detail.",
    "The word of the day is {}.",
    "Her favourite thing to draw is a {}.",
    "The quiz question was about a {}.",
    "Grandma told us a story about a {}.",
    "I dreamt about a {} last night.",
    "The sign had a picture of a {}.",
    "We saw a {} on the way home.",
    "The book cover shows a {}.",
    "The puzzle piece showed part of a {}.",
    "They made a short film about a {}.",
    "Can you spell {}?",
    "The next slide is about the {}.",
]
VOCAB_SPLIT = (0.4, 0.3, 0.3)  # weak, student-only, novel


def vocabularies(seed: int) -> dict[str, dict[int, list[str]]]:
    """Per vocabulary ("weak", "student", "novel"), the words of each label (1 = animal), for a seed."""
    rng = random.Random(f"sandbox-vocab/{seed}")
    out: dict[str, dict[int, list[str]]] = {"weak": {}, "student": {}, "novel": {}}
    for label, words in ((1, sorted(set(ANIMALS))), (0, sorted(set(OBJECTS) - set(ANIMALS)))):
        words = words[:]
        rng.shuffle(words)
        a = int(VOCAB_SPLIT[0] * len(words))
        b = a + int(VOCAB_SPLIT[1] * len(words))
        out["weak"][label], out["student"][label], out["novel"][label] = words[:a], words[a:b], words[b:]
    return out


def _sentences(n: int, vocab: dict[int, list[str]], rng: random.Random, source: str) -> list[dict]:
    rows = []
    for i in range(n):
        label = i % 2  # exactly balanced
        word = rng.choice(vocab[label])
        rows.append({"sentence": rng.choice(TEMPLATES).format(word), "word": word, "label": label, "source": source})
    rng.shuffle(rows)
    return rows


def sandbox_rows(n: int, split: str, seed: int) -> list[dict]:
    """Raw rows; training rows carry the half they belong to (A: weak vocabulary only; B: half weak,
    half student-only vocabulary), test rows a third of each vocabulary."""
    return vocabulary_rows(n, split, vocabularies(seed), random.Random(f"sandbox-rows/{split}/{seed}"), _sentences)


def vocabulary_rows(n: int, split: str, voc: dict, rng: random.Random, sentences) -> list[dict]:
    """The sandbox layout over three vocabularies (``voc``: "weak", "student", "novel"), shared by the
    sandbox tasks: ``sentences(k, vocab, rng, source)`` makes k balanced rows from one vocabulary."""
    if split == "test":
        k = n // 3
        rows = (
            sentences(k, voc["weak"], rng, "weak")
            + sentences(k, voc["student"], rng, "student")
            + sentences(n - 2 * k, voc["novel"], rng, "novel")
        )
        rng.shuffle(rows)
        return rows
    half = n // 2
    a = [{**r, "half": "A"} for r in sentences(half, voc["weak"], rng, "weak")]
    b = sentences(half // 2, voc["weak"], rng, "weak") + sentences(half - half // 2, voc["student"], rng, "student")
    rng.shuffle(b)
    return a + [{**r, "half": "B"} for r in b]


def _to_binary(rows: list[dict], rng: random.Random) -> list[dict]:
    from w2s_lib.data.spec import group_id, item

    out = []
    for r in rows:
        extra = {k: r[k] for k in ("half", "source", "word") if k in r}
        out.append({**item(r["sentence"], r["label"], group_id(r["sentence"])), **extra})
    return out


def _spec():
    from w2s_lib.data.spec import TaskSpec, balanced

    return TaskSpec(
        name="sandbox_animals",
        to_binary=balanced(_to_binary),
        generate=sandbox_rows,
        splits={"train": "train", "test": "test"},
        notes="Generated offline from the seed: is the object in a neutral sentence an animal? Half A uses "
        "the weak vocabulary only; half B half weak, half student-only words; test a third each of weak, "
        "student-only and novel words (see w2s_lib/data/sandbox.py).",
    )


SANDBOX_TASKS = {"sandbox_animals": _spec()}
