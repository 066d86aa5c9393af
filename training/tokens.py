"""One word tokenizer and BIO conversion shared by the BERT teacher, the augmenter and the students.

Why our own word split: models label words, evaluation compares character spans; a single split
that keeps car codes whole ("F-150", "320d", "3.0L", "S-Line", "9,500") maps both ways exactly.
spaCy models keep spaCy's tokenizer and align with `doc.char_span` instead.
"""

from __future__ import annotations

import re

from carner.annotation.labels import WORD_RE, Span, Token, word_tokens

__all__ = ["WORD_RE", "Token", "word_tokens"]


def spans_to_bio(tokens: list[Token], spans: list[Span]) -> list[str]:
    """BIO tag per token: a token belongs to a span when it overlaps it; the first such token is B-."""
    tags = ["O"] * len(tokens)
    for start, end, label in sorted(spans):
        first = True
        for i, (ts, te) in enumerate(tokens):
            if ts < end and te > start:
                tags[i] = ("B-" if first else "I-") + label
                first = False
    return tags


def bio_to_spans(tokens: list[Token], tags: list[str]) -> list[Span]:
    """Character spans from BIO tags; a stray I- starts a new entity (as seqeval's default mode)."""
    spans: list[Span] = []
    cur_label: str | None = None
    cur_start = cur_end = 0
    for (ts, te), tag in zip(tokens, tags, strict=True):
        if tag == "O" or tag is None:
            if cur_label is not None:
                spans.append((cur_start, cur_end, cur_label))
            cur_label = None
            continue
        prefix, _, label = tag.partition("-")
        if prefix == "B" or label != cur_label:
            if cur_label is not None:
                spans.append((cur_start, cur_end, cur_label))
            cur_label, cur_start = label, ts
        cur_end = te
    if cur_label is not None:
        spans.append((cur_start, cur_end, cur_label))
    return spans


def bio_labels(labels: list[str]) -> list[str]:
    """The tag inventory for a label set: O, then B-/I- per label in the given order."""
    tags = ["O"]
    for label in labels:
        tags += [f"B-{label}", f"I-{label}"]
    return tags


MASK_TOKEN = "[MASK]"


def model_words(text: str, mask_token: str = MASK_TOKEN) -> list[Token]:
    """`word_tokens`, except that the mask token stays one word (word_tokens would split `[MASK]` in 3).

    The teacher, the labeller and the soft student all split words with this function, so the
    teacher sees its real mask token and every stage agrees on what a word is.
    """
    if not mask_token or mask_token not in text:
        return word_tokens(text)
    tokens: list[Token] = []
    pos = 0
    for m in re.finditer(re.escape(mask_token), text):
        tokens += [(s + pos, e + pos) for s, e in word_tokens(text[pos : m.start()])]
        tokens.append((m.start(), m.end()))
        pos = m.end()
    tokens += [(s + pos, e + pos) for s, e in word_tokens(text[pos:])]
    return tokens
