"""Prompting baselines (Burns et al. 2023, §5.2.1, Fig. 9; the prompts of App. B, Table 2).

The student is not trained: its language model is asked for a label. A prompt is one instruction for the task,
then ``k`` labelled shots, each a training text followed by ``Label:`` and its label, then the query text and
``Label:``. The instructions come from a named prompt set (``PROMPT_SETS``): "ours" (our own wording, the default)
or "paper", Table 2's verbatim instructions, whose text is not in this repository yet (we have no copy of the
table we could check word for word), so asking for it is refused with a one-line error rather than guessed.
p1 = softmax over the next-token logits of the answers "0" and "1", read at the prompt's last real token (found
from the attention mask, so padding side and batch never matter).

Shots are drawn per query, seeded, from half B's training items (never the test set, never the query's group),
class-balanced on the labels shown. Those labels are the ground truth ("gt") or the hard labels (p1 > 0.5) of
a weak supervisor, the ground-truth half-A run of ``w2s_lib.nlp.protocol`` whose soft labels train the finetuned
weak-to-strong students: prompted and finetuned students learn from the same weak labels. A prompt longer than
``max_len`` tokens drops its earliest shots first; a query alone too long is cut from the left (its end stays).
Every run records how many shots survived that limit (``mean_shots_kept``, ``min_shots_kept``, ``frac_all_shots``;
``shots_survived`` tabulates them per task).

Runs are cached by the engine of every setting (``w2s_lib.core.runs``, kind "prompt") in the results root, beside the
finetuning runs of their task; ``results.collect`` reads only the finetuning runs.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from w2s_lib.core import cache, runs
from w2s_lib.data.splits import DataConfig, prepare_data
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp.protocol import TEST_PREDICTIONS_FILE, NlpRun, RunConfig, half_b_p1, run_or_load
from w2s_lib.nlp.settings import DataSettings, PromptSettings

SHOT_LABELS = ("gt", "weak")
CUE = "Label:"
_INSTRUCT = 'Each text is {}. After "Label:", write 1 if {}, and 0 otherwise.'
INSTRUCTIONS = {
    task: _INSTRUCT.format(*what_yes)
    for task, what_yes in {  # the paper's 7 prompted tasks, synthetic ones
        "cosmos_qa": (
            "a short story, a question about it and a candidate answer",
            "the candidate is the right answer given the story",
        ),
        "ethics_deontology": (
            "a scenario and someone's reply to it: an excuse not to do something, or a duty that comes with a role",
            "the reply is reasonable",
        ),
        "ethics_justice": (
            "a statement about what someone deserves or how they should be treated",
            "the claim is fair and reasonable",
        ),
        "ethics_virtue": ("what a person does, followed by a character trait", "the behaviour shows that trait"),
        "quail": (
            "a passage, a question about it and a candidate answer",
            "the passage supports the candidate as the right answer",
        ),
        "sciq": ("a science question and a candidate answer", "the candidate answers the question correctly"),
        "social_i_qa": (
            "an everyday social situation, a question about the people in it and a candidate answer",
            "the candidate is the most sensible answer",
        ),
        "synth_sentiment": ("a short review", "its opinion is positive, negations counted"),
        "synth_keyword": ("a list of words", 'the word "red" is among them'),
    }.items()
}
DEFAULT_INSTRUCTION = _INSTRUCT.format(
    "an example followed by a yes/no judgement to make",
    "the answer, claim or judgement it proposes is correct, valid or positive",
)
# (what ends a prompt after CUE, the two answers): the first whose answers are single tokens right after it
ANSWER_FORMATS = (("", (" 0", " 1")), (" ", ("0", "1")), ("", ("0", "1")))


# Named instruction sets. "paper" stands for Table 2 of the paper (App. B, p. 35: one instruction each for CosmosQA,
# Deontology, Justice, QuAIL, SciQ, Social IQa and Virtue). Its verbatim text is not in this repository: no copy of
# the table could be checked word for word, so the set refuses (PAPER_PROMPTS_MISSING) instead of paraphrasing.
PROMPT_SETS = ("ours", "paper")
PAPER_PROMPTS_MISSING = (
    "prompts='paper': the verbatim instructions of the paper's Table 2 (App. B, p. 35) are not in this repository "
    "yet; use prompts='ours' (our own wording)"
)


def check_prompts(prompts: str) -> None:
    """Refuse an unknown prompt set, and the paper's until its verbatim text is added."""
    if prompts not in PROMPT_SETS:
        raise ValueError(f"unknown prompts {prompts!r}; valid: {', '.join(PROMPT_SETS)}")
    if prompts == "paper":
        raise ValueError(PAPER_PROMPTS_MISSING)


def instruction(task: str, prompts: str = "ours") -> str:
    check_prompts(prompts)
    return INSTRUCTIONS.get(task, DEFAULT_INSTRUCTION)


@functools.lru_cache(maxsize=16)
def answer_format(tok) -> tuple[str, tuple[str, str], tuple[int, int]]:
    """(text after CUE that ends a prompt, answer strings "0"/"1" as written in shots, their token ids).

    The answers are " 0"/" 1" when each is one token after "Label:", else "0"/"1" after "Label: " or "Label:";
    the check encodes the whole line, so the ids are the tokens the model would produce after the prompt.
    """
    for end, answers in ANSWER_FORMATS:
        head = tok.encode(f"x\n{CUE}{end}", add_special_tokens=False)
        full = [tok.encode(f"x\n{CUE}{end}{a}", add_special_tokens=False) for a in answers]
        if all(len(f) == len(head) + 1 and f[:-1] == head for f in full) and full[0][-1] != full[1][-1]:
            return end, answers, (full[0][-1], full[1][-1])
    raise ValueError(f"no answer format of {ANSWER_FORMATS} gives single tokens for '0' and '1' with this tokenizer")


def format_prompt(task: str, shots, query: str, end: str = "", answers=(" 0", " 1"), prompts: str = "ours") -> str:
    """Instruction, the (text, label) shots in order, then the query, ending right before its label."""
    lines = [f"{t}\n{CUE}{end}{answers[int(y)]}" for t, y in shots]
    return "\n\n".join([instruction(task, prompts), *lines, f"{query}\n{CUE}{end}"])


def draw_shots(labels, groups, k: int, query_group, rng: np.random.Generator) -> list[int]:
    """Indices of ``k`` pool items, none of ``query_group``, as balanced over ``labels`` as the pool allows."""
    take = {1: k // 2 + (k % 2) * int(rng.random() < 0.5)}
    take[0] = k - take[1]
    picked = []
    for cls in (0, 1):  # a random order of the class, the query's group skipped, cut at k (cheap for large pools)
        order = rng.permutation(np.flatnonzero(np.asarray(labels) == cls))
        picked.append(list(itertools.islice((int(i) for i in order if groups[i] != query_group), k)))
    short = [max(take[c] - len(picked[c]), 0) for c in (0, 1)]  # a class too small: the other fills in
    chosen = picked[0][: take[0] + short[1]] + picked[1][: take[1] + short[0]]
    return [chosen[i] for i in rng.permutation(len(chosen))]


def build_prompts(
    task, queries, pool, pool_labels, k: int, seed: int, tok, max_len: int, prompts: str = "ours"
) -> tuple[list[str], list]:
    """One prompt per query item (its own seeded shots from ``pool``) and the number of shots kept in each."""
    check_prompts(prompts)
    end, answers, _ = answer_format(tok)
    groups = [it["group"] for it in pool]
    out, kept = [], []
    for qi, q in enumerate(queries):
        idx = draw_shots(pool_labels, groups, k, q["group"], np.random.default_rng([seed, qi])) if k else []
        shots = [(pool[i]["txt"], pool_labels[i]) for i in idx]
        for j in range(len(shots) + 1):  # too long: drop the earliest shots, keep instruction and query
            p = format_prompt(task, shots[j:], q["txt"], end, answers, prompts)
            if j == len(shots) or len(tok(p)["input_ids"]) <= max_len:
                break
        out.append(p)
        kept.append(len(shots) - j)
    return out, kept


def score_prompts(lm, tok, prompts, *, max_len: int, batch_size: int = 8) -> np.ndarray:
    """p1 = softmax over the logits of the answers "0", "1" at each prompt's last real token (on lm's device)."""
    import torch

    from w2s_lib.core.fit import autocast
    from w2s_lib.models.classifier import last_token_index

    device = next(lm.parameters()).device
    ids = answer_format(tok)[2]
    base, unembed = lm.base_model, lm.get_output_embeddings()
    takes_positions = "position_ids" in inspect.signature(base.forward).parameters
    order = np.argsort([-len(x) for x in tok(list(prompts))["input_ids"]], kind="stable")
    p1 = np.zeros(len(prompts), dtype=np.float32)
    with torch.inference_mode(), autocast(device):
        for start in range(0, len(prompts), batch_size):
            idx = order[start : start + batch_size]
            enc = tok(
                [prompts[i] for i in idx], padding=True, truncation=True, max_length=max_len, return_tensors="pt"
            ).to(device)
            mask = enc["attention_mask"]
            kw = {"position_ids": (mask.long().cumsum(-1) - 1).clamp_min(0)} if takes_positions else {}
            h = base(input_ids=enc["input_ids"], attention_mask=mask, **kw).last_hidden_state
            last = h[torch.arange(len(idx), device=h.device), last_token_index(mask)]
            logits = unembed(last)[:, list(ids)].float()
            p1[idx] = torch.softmax(logits, -1)[:, 1].cpu().numpy()
    return p1


@dataclass(frozen=True)
class PromptConfig:
    data: DataConfig
    model: str
    shots: int = 0
    shot_labels: str = "gt"
    weak: RunConfig | None = None  # the supervisor whose hard labels the shots show, for shot_labels="weak"
    seed: int = 0  # shot draws, and the weights of random-init models
    max_len: int = 1024  # tokens per prompt
    batch_size: int = 8  # prompts per forward pass (does not change results)
    prompts: str = "ours"  # the instruction set (PROMPT_SETS); the default keeps the cache key of older runs

    def __post_init__(self):
        check_prompts(self.prompts)
        if self.shot_labels not in SHOT_LABELS:
            raise ValueError(f"unknown shot_labels {self.shot_labels!r}; valid: {', '.join(SHOT_LABELS)}")
        if not isinstance(self.shots, int) or self.shots < 0:
            raise ValueError(f"shots must be an int >= 0 (0: zero-shot), got {self.shots!r}")
        if (self.shot_labels == "weak") != (self.weak is not None):
            raise ValueError("shot_labels='weak' goes with a weak supervisor (weak=RunConfig), 'gt' without one")
        if self.weak is not None and (
            self.shots == 0 or (self.weak.labels, self.weak.half) != ("gt", "A") or self.weak.data != self.data
        ):
            raise ValueError("weak shots need shots > 0 and a ground-truth half-A supervisor on the same data")

    @property
    def role(self) -> str:
        return "few_shot" if self.shots else "zero_shot"


def prompt_run_dir(cfg: PromptConfig, root) -> Path:
    """A prompting run's folder: in the results root beside the finetuning runs of its task (its config.json
    records kind "prompt", so ``results.collect`` leaves it out of the finetuning tables)."""
    who = cfg.model if cfg.weak is None else f"{cfg.weak.model}-to-{cfg.model}"
    key = runs.key_hash("prompt", cfg, *(["nlp"] if cfg.weak is not None else []))
    name = f"{cfg.role}_{cache.slug(who)}_{cfg.shots}shot-{cfg.shot_labels}_s{cfg.seed}_{key}"
    return Path(root) / cache.slug(cfg.data.task) / name


def shot_labels(cfg: PromptConfig, root, pool) -> np.ndarray:
    """The labels the shots show: ground truth, or the supervisor's hard labels (its run must be finished)."""
    if cfg.shot_labels == "gt":
        return np.array([it["hard_label"] for it in pool], dtype=int)
    return (half_b_p1(cfg.weak, root, pool) > 0.5).astype(int)


def shot_counts(kept, k: int) -> dict:
    """How many of ``k`` shots survived the context limit in each prompt: their mean and minimum over the prompts,
    and the fraction of prompts that kept all ``k`` (nan for zero-shot runs or no prompts, where none could be cut)."""
    kept = np.asarray(kept, dtype=float)
    if k == 0 or not len(kept):
        return {"mean_shots_kept": np.nan, "min_shots_kept": np.nan, "frac_all_shots": np.nan}
    return {
        "mean_shots_kept": float(kept.mean()),
        "min_shots_kept": int(kept.min()),
        "frac_all_shots": float((kept == k).mean()),
    }


def shots_survived(prompts: pd.DataFrame) -> pd.DataFrame:
    """Per task and shot count, the few-shot runs' shots that survived the context limit: the mean over runs of
    each run's mean, the fewest any prompt kept, and the mean fraction of prompts that kept them all."""
    few = prompts[prompts["shots"] > 0]
    g = few.groupby(["task", "shots"], as_index=False)
    return g.agg(
        mean_shots_kept=("mean_shots_kept", "mean"),
        min_shots_kept=("min_shots_kept", "min"),
        frac_all_shots=("frac_all_shots", "mean"),
        n_runs=("mean_shots_kept", "size"),
    )


@functools.lru_cache(maxsize=1)
def _language_model(model: str, seed: int, device: str):
    import torch

    from w2s_lib.models.loading import base_lm, inference_dtype, load_tokenizer

    torch.manual_seed(seed)  # the weights of random-init presets
    # prompting only scores: no optimizer, so bf16 weights on a GPU lose nothing that training would need
    return base_lm(model, dtype=inference_dtype(device)).to(device).eval(), load_tokenizer(model)


def _weights_seed(cfg: PromptConfig) -> int:
    from w2s_lib.models.presets import preset_of

    preset = preset_of(cfg.model)
    return cfg.seed if preset is not None and preset.tiny is not None else 0  # pretrained: one load for all seeds


class PromptRun(runs.Run):
    """One prompting run: the model scores every test prompt; nothing trains. The main process computes it."""

    kind = "prompt"
    config_type = PromptConfig

    @property
    def folder(self) -> Path:
        return prompt_run_dir(self.config, self.root)

    def dependencies(self) -> list[runs.Run]:
        return [NlpRun(self.config.weak, self.root)] if self.config.weak is not None else []

    def fingerprint(self) -> str:
        return prepare_data(self.config.data).fingerprint

    def compute(self, writer: cache.RunWriter, progress) -> dict:
        return _score_run(self.config, self.root, writer, self.device, self.name)


def run_or_load_prompting(cfg: PromptConfig, root, *, force: bool = False, device=None) -> dict:
    """The metrics of ``cfg``'s prompting run, scoring it first unless it is cached in ``root``."""
    return runs.run_or_load(PromptRun(cfg, root, device), force=force)


def _score_run(cfg: PromptConfig, root, writer: cache.RunWriter, device, name: str) -> dict:
    from w2s_lib.core.metrics import accuracy, auroc
    from w2s_lib.nlp.train import default_device

    t0 = time.time()
    data = prepare_data(cfg.data)
    pool, y = data.B_train, np.array([it["hard_label"] for it in data.test])
    pool_y = shot_labels(cfg, root, pool)
    lm, tok = _language_model(cfg.model, _weights_seed(cfg), str(device or default_device()))
    prompts, kept = build_prompts(
        cfg.data.task, data.test, pool, pool_y, cfg.shots, cfg.seed, tok, cfg.max_len, cfg.prompts
    )
    p1 = score_prompts(lm, tok, prompts, max_len=cfg.max_len, batch_size=cfg.batch_size)
    writer.parquet(
        TEST_PREDICTIONS_FILE,
        pd.DataFrame({"id": [it["id"] for it in data.test], "label": y, "p1": p1, "shots_kept": kept}),
    )
    writer.path("example_prompt.txt").write_text(prompts[0] + "\n", encoding="utf-8")
    return {
        "run": name,
        "setting": "nlp",
        "task": cfg.data.task,
        "role": cfg.role,
        "model": cfg.model,
        "weak_model": cfg.weak.model if cfg.weak else None,
        "shots": cfg.shots,
        "shot_labels": cfg.shot_labels,
        "seed": cfg.seed,
        "test_acc": accuracy(p1, y),
        "test_auroc": auroc(p1, y),
        **shot_counts(kept, cfg.shots),
        "shot_label_acc": float((pool_y == [it["hard_label"] for it in pool]).mean()),
        "n_pool": len(pool),
        "n_test": len(y),
        "seconds": time.time() - t0,
    }


def prompting_plan(
    tasks,
    models,
    seeds,
    *,
    prompt: PromptSettings | None = None,
    supervisors=None,
    data: DataSettings | None = None,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
) -> list[PromptConfig]:
    """Every prompting run of ``prompting_results``, in its order (nothing runs): every model prompted with each
    of ``prompt.shots`` (g.t. labels), and with weak labels from each of ``supervisors`` (default: all but the
    largest model) smaller than it. The supervisors are the half-A runs of ``sweep.plan_sweep`` with the same
    ``data``, ``every`` and ``per_model``, so a finetuning sweep and the prompting runs share their weak labels
    and test sets."""
    from w2s_lib.models.presets import model_order
    from w2s_lib.nlp.sweep import plan_sweep

    prompt, data = prompt or PromptSettings(), data or DataSettings()
    check_prompts(prompt.prompts)  # before any supervisor is planned
    supervisors = list(models[:-1] if supervisors is None else supervisors)
    plan_kw = dict(data=data, every=every, per_model=per_model, pairs=[], ceiling_half="A")
    sups = {(c.data, c.model): c for c in plan_sweep(tasks, supervisors, [], seeds, **plan_kw).weak}
    rank = {m: i for i, m in enumerate(model_order([*models, *(w for w in supervisors if w not in models)]))}
    configs = []
    for model in models:  # outermost: a pretrained model loads once
        for task in tasks:
            for seed in seeds:
                dc = data.config(task, seed)
                kw = dict(data=dc, seed=seed, max_len=prompt.max_len, batch_size=prompt.batch_size)
                kw["prompts"] = prompt.prompts
                configs += [PromptConfig(model=model, shots=k, **kw) for k in prompt.shots]
                configs += [
                    PromptConfig(model=model, shots=k, shot_labels="weak", weak=sups[(dc, w)], **kw)
                    for w in supervisors
                    if rank[w] < rank[model]
                    for k in prompt.shots
                    if k
                ]
    return configs


def prompting_rows(configs: list[PromptConfig], root, *, progress=None, device=None) -> pd.DataFrame:
    """Run (or load) ``configs`` in order (a supervisor first where it is missing); one row per run, with
    ``weak_acc``, the supervisor's (nan for g.t. shots), and ``shot_counts``' columns."""
    rows = []
    for cfg in configs:
        weak_acc = run_or_load(cfg.weak, root, progress=progress)["test_acc"] if cfg.weak else np.nan
        rows.append({**run_or_load_prompting(cfg, root, device=device), "weak_acc": weak_acc})
    return pd.DataFrame(rows)


def prompting_results(
    root,
    tasks,
    models,
    seeds,
    *,
    prompt: PromptSettings | None = None,
    supervisors=None,
    data: DataSettings | None = None,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    progress=None,
    device=None,
) -> pd.DataFrame:
    """``prompting_plan``'s runs, run (or loaded) by ``prompting_rows``: one row per run.

    ``prompt``: how (``settings.PromptSettings``: shot counts, prompt length, batch, instruction set; None: its
    defaults); the supervisors (trained here if missing) are ``prompting_plan``'s.
    """
    plan_kw = dict(prompt=prompt, supervisors=supervisors, data=data, every=every, per_model=per_model)
    configs = prompting_plan(tasks, models, seeds, **plan_kw)
    return prompting_rows(configs, root, progress=progress, device=device)


def fig09_curves(prompts: pd.DataFrame, finetuned: pd.DataFrame) -> pd.DataFrame:
    """Fig. 9's points: accuracy (%) per (series, weak_model, model), seeds averaged per task, then the mean
    over tasks. Finetuning on g.t. is the ceiling run (the half-A run for a model that has no ceiling)."""
    from w2s_lib.models.loading import param_count

    p = prompts.assign(
        series=[
            ("zero-shot" if k == 0 else f"{k}-shot " + ("g.t." if lab == "gt" else "weak"))
            for k, lab in zip(prompts["shots"], prompts["shot_labels"])
        ]
    )
    ft = finetuned[finetuned["role"].isin(["ceiling", "weak"])].sort_values("role")  # ceilings first
    ft = ft.drop_duplicates(["task", "seed", "model"]).assign(series="finetune g.t.", weak_model=None)
    w2s = finetuned[finetuned["role"] == "w2s"]
    w2s = w2s.assign(series=w2s["loss"].map({"xent": "finetune weak (naive)", "logconf": "finetune weak (aux. loss)"}))
    cols = ["series", "task", "seed", "weak_model", "model", "test_acc"]
    df = pd.concat([d[cols] for d in (p, ft, w2s.dropna(subset=["series"]))], ignore_index=True)
    df["weak_model"] = df["weak_model"].fillna("")
    per_task = df.groupby(["series", "weak_model", "model", "task"], as_index=False)["test_acc"].mean()
    out = per_task.groupby(["series", "weak_model", "model"], as_index=False).agg(
        acc=("test_acc", "mean"), n_tasks=("task", "nunique")
    )
    return out.assign(acc=100 * out["acc"], params=out["model"].map(param_count))
