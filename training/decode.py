"""BIO decoding: the best valid tag sequence from per-word tag probabilities (Viterbi).

Why: the teacher and the soft student score each word on its own, and reading each word's arg-max
gives two kinds of error on multi-word values. (1) Sequences BIO forbids (I-X after O, after the
start, or after B-Y / I-Y of another label); the hard constraints below remove them. (2) Valid but
wrong splits: at research scale the teacher tagged "Glacier White" B-COLOR B-COLOR (two spans
instead of one) because I-COLOR is rare in 3.5k titles and its probability rarely wins alone.
Constraints cannot fix that; what the training tags say can: two adjacent values of one label
(B-COLOR B-COLOR) never occur in gold for most labels. For such a "joined" label, after a B-X or I-X
the tags B-X and I-X both say "this word is part of an X", and only one of them can be right, so
continuing scores max(p(B-X), p(I-X)), and B-X may not follow X. (The sum p(B-X) + p(I-X) was tried:
on a weak tiny model it glued "Civic EX" into one MODEL where EX's best tag was B-TRIM; the max
only joins words whose own best tag says X.) Optionally,
tag-bigram log-probabilities counted on the training tags are added with a weight (measured: they
double-count what a contextual model already knows, so the default weight is 0).
`viterbi` maximises sum(log p(tag | word)) + weight * sum(log P(tag | previous tag)) over valid
sequences. No CRF layer is trained: any model with per-word probabilities can use it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from carner.annotation.labels import Span
from carner.training.tokens import Token, bio_to_spans

DECODERS = ("viterbi", "argmax")
FLOOR = 1e-9  # probabilities below this count as this (log 0 would make every path -inf)
JOIN_MAX_RATE = 0.01  # a label is joined when at most this share of its gold spans touch another one
_FORBIDDEN = -1e9


def check_decoder(name: str) -> str:
    """`name` if it is a known decoder, else a ValueError listing the known ones."""
    if name not in DECODERS:
        raise ValueError(f"decode must be one of {', '.join(DECODERS)}, got {name!r}")
    return name


def _inside_label(tag: str) -> str | None:
    return tag[2:] if tag.startswith("I-") else None


def _label(tag: str) -> str | None:
    return tag[2:] if tag.startswith(("B-", "I-")) else None


@lru_cache(maxsize=32)
def _constraints(tags: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(start [T], transition [T_prev, T_next]) additive scores: 0 where allowed, -1e9 where forbidden."""
    n = len(tags)
    start = np.zeros(n, dtype=np.float64)
    trans = np.zeros((n, n), dtype=np.float64)
    for j, nxt in enumerate(tags):
        inside = _inside_label(nxt)
        if inside is None:
            continue
        start[j] = _FORBIDDEN
        for i, prev in enumerate(tags):
            if _label(prev) != inside:  # O, or B-/I- of another label
                trans[i, j] = _FORBIDDEN
    start.setflags(write=False)
    trans.setflags(write=False)
    return start, trans


def is_valid_bio(tags: Sequence[str], joined: Iterable[str] = ()) -> bool:
    """True when every I-X follows a B-X or an I-X (strict BIO, what `viterbi` guarantees), and no
    B-X of a `joined` label directly follows an X."""
    joined = frozenset(joined)
    prev: str | None = None
    for tag in tags:
        inside = _inside_label(tag)
        if inside is not None and (prev is None or _label(prev) != inside):
            return False
        if joined and tag.startswith("B-") and prev is not None and _label(prev) == tag[2:] in joined:
            return False
        prev = tag
    return True


def adjacent_rates(sequences: Iterable[Sequence[str]]) -> dict[str, float]:
    """Per label: the share of its spans (B- tags) that start right after a span of the same label."""
    spans: dict[str, int] = {}
    adjacent: dict[str, int] = {}
    for seq in sequences:
        prev: str | None = None
        for tag in seq:
            if tag.startswith("B-"):
                label = tag[2:]
                spans[label] = spans.get(label, 0) + 1
                if prev is not None and _label(prev) == label:
                    adjacent[label] = adjacent.get(label, 0) + 1
            prev = tag
    return {label: adjacent.get(label, 0) / n for label, n in spans.items()}


def joined_labels(sequences: Iterable[Sequence[str]], max_rate: float = JOIN_MAX_RATE) -> tuple[str, ...]:
    """Labels whose values (almost) never touch another value of the same label in these tag sequences."""
    return tuple(sorted(label for label, rate in adjacent_rates(sequences).items() if rate <= max_rate))


def _join_scores(scores: np.ndarray, tags: Sequence[str], joined: tuple[str, ...]) -> np.ndarray:
    """Log-scores with I-X replaced by max(log p(B-X), log p(I-X)) for every joined label X."""
    out = scores.copy()
    index = {t: i for i, t in enumerate(tags)}
    for label in joined:
        b, i = index.get(f"B-{label}"), index.get(f"I-{label}")
        if b is not None and i is not None:
            out[:, i] = np.maximum(scores[:, b], scores[:, i])
    return out


@lru_cache(maxsize=32)
def _join_constraints(tags: tuple[str, ...], joined: tuple[str, ...]) -> np.ndarray:
    """Extra transition scores forbidding B-X right after B-X / I-X for each joined label X."""
    trans = np.zeros((len(tags), len(tags)))
    for j, nxt in enumerate(tags):
        if nxt.startswith("B-") and nxt[2:] in joined:
            for i, prev in enumerate(tags):
                if _label(prev) == nxt[2:]:
                    trans[i, j] = _FORBIDDEN
    trans.setflags(write=False)
    return trans


@dataclass(frozen=True)
class Transitions:
    """Log-probabilities of the first tag and of each tag given the previous one, from tag sequences."""

    tags: tuple[str, ...]
    start: np.ndarray  # [T]
    matrix: np.ndarray  # [T_prev, T_next]

    @classmethod
    def count(
        cls, sequences: Iterable[Sequence[str]], tags: Sequence[str], smoothing: float = 1.0
    ) -> Transitions:
        """Add-`smoothing` estimates over the transitions BIO allows (forbidden ones stay impossible)."""
        index = {t: i for i, t in enumerate(tags)}
        n = len(tags)
        start = np.zeros(n)
        pairs = np.zeros((n, n))
        for seq in sequences:
            ids = [index[t] for t in seq]
            if ids:
                start[ids[0]] += 1
            for a, b in zip(ids, ids[1:], strict=False):
                pairs[a, b] += 1
        allowed_start, allowed = _constraints(tuple(tags))
        start = np.where(allowed_start == 0, start + smoothing, 0.0)
        pairs = np.where(allowed == 0, pairs + smoothing, 0.0)
        with np.errstate(divide="ignore"):
            log_start = np.log(start / max(start.sum(), 1e-12))
            log_pairs = np.log(pairs / np.maximum(pairs.sum(axis=1, keepdims=True), 1e-12))
        return cls(tuple(tags), np.maximum(log_start, _FORBIDDEN), np.maximum(log_pairs, _FORBIDDEN))

    def to_json(self) -> dict[str, Any]:
        return {
            "tags": list(self.tags),
            "start": [round(float(x), 5) for x in self.start],
            "matrix": [[round(float(x), 5) for x in row] for row in self.matrix],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], tags: Sequence[str]) -> Transitions:
        if list(data.get("tags", [])) != list(tags):
            raise ValueError(f"transitions are for tags {data.get('tags')}, the model has {list(tags)}")
        start, matrix = np.array(data["start"], dtype=np.float64), np.array(data["matrix"], dtype=np.float64)
        if start.shape != (len(tags),) or matrix.shape != (len(tags), len(tags)):
            raise ValueError(f"transitions of shape {start.shape} / {matrix.shape} for {len(tags)} tags")
        return cls(tuple(tags), start, matrix)


def viterbi(
    scores: np.ndarray,
    tags: Sequence[str],
    transitions: Transitions | None = None,
    weight: float = 1.0,
    joined: Sequence[str] = (),
) -> list[int]:
    """Tag indices of the best BIO-valid sequence for `scores` [words, tags] (log-probabilities).

    `transitions` (weighted by `weight`) add log P(tag | previous tag); the BIO constraints always
    apply; `joined` labels continue with p(B-X) + p(I-X) and never start right after themselves.
    Ties resolve to the lowest tag index, as `argmax` does.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n_words = scores.shape[0]
    if n_words == 0:
        return []
    if scores.shape[1] != len(tags):
        raise ValueError(f"scores have {scores.shape[1]} tag columns for {len(tags)} tags")
    start, trans = _constraints(tuple(tags))
    if joined:
        joined = tuple(sorted(joined))
        scores = _join_scores(scores, tags, joined)
        trans = trans + _join_constraints(tuple(tags), joined)
    if transitions is not None and weight:
        start = start + weight * transitions.start
        trans = trans + weight * transitions.matrix
    cols = np.arange(len(tags))
    delta = scores[0] + start
    back = np.empty((n_words, len(tags)), dtype=np.int64)
    for w in range(1, n_words):
        cand = delta[:, None] + trans  # [prev, next]
        back[w] = cand.argmax(axis=0)
        delta = cand[back[w], cols] + scores[w]
    path = [int(delta.argmax())]
    for w in range(n_words - 1, 0, -1):
        path.append(int(back[w, path[-1]]))
    return path[::-1]


class Decoder:
    """Per-word probabilities -> tags -> spans, one way for one tag set (what a model keeps)."""

    def __init__(
        self,
        tags: Sequence[str],
        mode: str = "viterbi",
        transitions: Transitions | None = None,
        weight: float = 0.0,
        joined: Iterable[str] = (),
    ) -> None:
        self.tags = list(tags)
        self.mode = check_decoder(mode)
        self.transitions = transitions
        self.weight = float(weight)
        self.joined = tuple(sorted(set(joined)))
        index = {t: i for i, t in enumerate(self.tags)}
        self._pairs = [
            (index[f"B-{x}"], index[f"I-{x}"]) for x in self.joined if f"B-{x}" in index and f"I-{x}" in index
        ]
        # Without transition scores a valid arg-max sequence (of the joined scores) is the Viterbi path:
        # it maximises every word's term. Checking it is ~10x cheaper than the dynamic programme.
        self._argmax_first = transitions is None or not self.weight

    def indices(self, probs: np.ndarray) -> list[int]:
        if len(probs) == 0:
            return []
        probs = np.asarray(probs)
        if self.mode == "argmax":
            return probs.argmax(axis=1).tolist()
        if self._argmax_first:
            joined = probs
            if self._pairs:
                joined = probs.copy()
                for b, i in self._pairs:
                    joined[:, i] = np.maximum(probs[:, b], probs[:, i])
            idx = joined.argmax(axis=1).tolist()
            if is_valid_bio([self.tags[j] for j in idx], self.joined):
                return idx
        logp = np.log(np.maximum(probs.astype(np.float64), FLOOR))
        return viterbi(logp, self.tags, self.transitions, self.weight, self.joined)

    def decode(self, probs: np.ndarray) -> list[str]:
        return [self.tags[j] for j in self.indices(probs)]

    def spans(self, offsets: Sequence[Token], probs: np.ndarray) -> list[Span]:
        return bio_to_spans(list(offsets), self.decode(probs)) if len(offsets) else []

    def to_json(self) -> dict[str, Any]:
        """What a model directory records (metrics.json "decoder") to decode the same way when loaded."""
        return {
            "mode": self.mode,
            "joined": list(self.joined),
            "transition_weight": self.weight,
            "transitions": self.transitions.to_json() if self.transitions is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, tags: Sequence[str], mode: str | None = None) -> Decoder:
        """The saved decoder; `mode` overrides its mode; a model saved without one decodes by Viterbi."""
        data = data or {}
        trans = data.get("transitions")
        return cls(
            tags,
            mode or data.get("mode", "viterbi"),
            Transitions.from_json(trans, tags) if trans else None,
            data.get("transition_weight", 0.0),
            data.get("joined", ()),
        )

    @classmethod
    def learn(
        cls,
        sequences: Sequence[Sequence[str]],
        tags: Sequence[str],
        mode: str = "viterbi",
        *,
        join_adjacent: bool = True,
        transition_weight: float = 0.0,
    ) -> Decoder:
        """A decoder from training tag sequences: joined labels and (weighted) bigram transitions."""
        joined = joined_labels(sequences) if join_adjacent else ()
        trans = Transitions.count(sequences, tags) if transition_weight else None
        return cls(tags, mode, trans, transition_weight, joined)
