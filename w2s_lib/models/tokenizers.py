"""Tokenizers: the offline BPE of the tiny presets, and loading and configuring a model's tokenizer."""

from __future__ import annotations

import functools

from w2s_lib.models.presets import TINY_VOCAB


def _tokenizer_corpus() -> list[str]:
    """A fixed corpus for the offline tokenizer: the synthetic tasks' text plus plain characters."""
    import random

    from w2s_lib.data.synthetic import SYNTHETIC_TASKS

    lines = []
    for spec in (SYNTHETIC_TASKS["synth_sentiment"], SYNTHETIC_TASKS["synth_keyword"]):
        rows = spec.generate(400, "train", 1234)
        lines += [it["txt"] for it in spec.to_binary(rows, random.Random(0))]
    lines.append("0 1 2 3 4 5 6 7 8 9 ! ? . , : ; ' \" ( ) Q: A: Yes No True False")
    return lines


@functools.cache
def _tiny_tokenizer_json() -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TINY_VOCAB,
        special_tokens=["<pad>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_tokenizer_corpus(), trainer=trainer)
    return tok.to_str()


def tiny_tokenizer():
    """A byte-level BPE trained offline on a fixed corpus (deterministic, ~0.1 s).

    The vocabulary is capped at 512; the small corpus stops merging earlier (about 390 tokens), which
    is all the synthetic tasks need.

    Ids: ``<pad>`` = 0, ``<eos>`` = 1. Any text tokenizes (bytes fall back to the base alphabet).
    """
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(_tiny_tokenizer_json()), pad_token="<pad>", eos_token="<eos>"
    )
    return configure_tokenizer(tok)


def configure_tokenizer(tok):
    """Give a tokenizer a pad token (its eos, else unk) and truncate from the left.

    Left truncation keeps the end of a long text, where the answer being judged sits and where the head
    reads; the reference code dropped long examples instead (docs/reference_differences.md §7).
    """
    if tok.pad_token is None:
        if tok.eos_token is not None:
            tok.pad_token = tok.eos_token
        elif tok.unk_token is not None:
            tok.pad_token = tok.unk_token
        else:
            tok.add_special_tokens({"pad_token": "<pad>"})
    tok.truncation_side = "left"
    return tok
