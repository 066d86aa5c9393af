"""Spans written as (words, label) pieces in tests, and read back the same way."""

from __future__ import annotations


def spans_of(text: str, *pieces: tuple[str, str]) -> list[tuple[int, int, str]]:
    """(words, label) pieces to offsets, each found after the previous one."""
    out, pos = [], 0
    for words, label in pieces:
        start = text.index(words, pos)
        out.append((start, start + len(words), label))
        pos = start + len(words)
    return out


def read_spans(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """Offsets back to (words, label) pieces."""
    return [(text[s:e], label) for s, e, label in spans]
