"""BIO decoding (training.decode): Viterbi stays valid, is optimal, equals arg-max when that is valid,
and joins a two-word colour that a trained model's arg-max splits in two."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.decode import (  # noqa: E402
    Decoder,
    Transitions,
    _join_scores,
    is_valid_bio,
    joined_labels,
    viterbi,
)
from carner.training.tokens import bio_labels, spans_to_bio  # noqa: E402

LABELS = ["MAKE", "MODEL", "COLOR", "FUEL"]


def _random_case(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    tags = bio_labels(LABELS[: int(rng.integers(1, len(LABELS) + 1))])
    n_words = int(rng.integers(1, 16))
    logits = rng.normal(size=(n_words, len(tags))) * rng.uniform(0.5, 6.0)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return tags, logp


def _random_transitions(rng: np.random.Generator, tags: list[str]) -> Transitions:
    seqs = [[tags[j] for j in rng.integers(0, len(tags), size=int(rng.integers(1, 8)))] for _ in range(20)]
    return Transitions.count([s for s in seqs if is_valid_bio(s)], tags, smoothing=float(rng.uniform(0.1, 2)))


def _score(logp: np.ndarray, path: list[int], tags: list[str], trans: Transitions | None) -> float:
    total = float(sum(logp[w, j] for w, j in enumerate(path)))
    if trans is not None:
        total += trans.start[path[0]] + sum(trans.matrix[a, b] for a, b in itertools.pairwise(path))
    return total


def test_viterbi_never_emits_an_inside_tag_without_its_begin() -> None:
    """Property over 3,000 random score tables (with and without transition scores): every I-X follows
    a B-X or an I-X — although the arg-max sequence breaks that rule in most of these cases."""
    rng = np.random.default_rng(0)
    argmax_invalid = 0
    for case in range(3000):
        tags, logp = _random_case(rng)
        trans = _random_transitions(rng, tags) if case % 2 else None
        joined = LABELS[: int(rng.integers(0, 3))] if case % 3 else ()
        out = [tags[j] for j in viterbi(logp, tags, trans, weight=float(rng.uniform(0, 2)), joined=joined)]
        assert len(out) == len(logp)
        assert is_valid_bio(out), (case, out)
        assert is_valid_bio(out, joined), (case, out, joined)  # no B-X right after an X of a joined X
        assert Decoder(tags, joined=joined).decode(np.exp(logp)) == [
            tags[j] for j in viterbi(logp, tags, joined=joined)
        ]
        argmax_invalid += not is_valid_bio([tags[j] for j in logp.argmax(axis=1)])
    assert argmax_invalid > 1000  # the property is exercised, not vacuous


def test_viterbi_equals_argmax_when_argmax_is_valid() -> None:
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(3000):
        tags, logp = _random_case(rng)
        best = logp.argmax(axis=1).tolist()
        if is_valid_bio([tags[j] for j in best]):
            assert viterbi(logp, tags) == best
            assert Decoder(tags).indices(np.exp(logp)) == best
            checked += 1
    assert checked > 300


def test_viterbi_finds_the_best_valid_sequence_by_brute_force() -> None:
    rng = np.random.default_rng(2)
    for case in range(300):
        tags = bio_labels(LABELS[: int(rng.integers(1, 3))])
        n_words = int(rng.integers(1, 5))
        logp = np.log(rng.dirichlet(np.ones(len(tags)) * 0.5, size=n_words) + 1e-12)
        trans = _random_transitions(rng, tags) if case % 2 else None
        joined = ("MAKE",) if case % 3 == 0 else ()
        valid = [
            list(p)
            for p in itertools.product(range(len(tags)), repeat=n_words)
            if is_valid_bio([tags[j] for j in p], joined)
        ]
        scores = _join_scores(logp, tags, joined) if joined else logp
        best = max(_score(scores, p, tags, trans) for p in valid)
        got = viterbi(logp, tags, trans, weight=1.0, joined=joined)
        assert got in valid
        assert _score(scores, got, tags, trans) == pytest.approx(best, abs=1e-6)


def test_transitions_learn_that_one_label_rarely_follows_itself() -> None:
    tags = bio_labels(["COLOR", "MAKE"])
    seqs = [["B-MAKE", "B-COLOR"]] * 40 + [["B-MAKE", "B-COLOR", "I-COLOR"]] * 4 + [["B-COLOR", "O"]] * 10
    t = Transitions.count(seqs, tags)
    b, i = tags.index("B-COLOR"), tags.index("I-COLOR")
    assert t.matrix[b, i] > t.matrix[b, b] + 1.0  # B-COLOR I-COLOR seen 4 times, B-COLOR B-COLOR never
    assert t.matrix[tags.index("O"), i] <= -1e8 and t.start[i] <= -1e8  # forbidden stays forbidden
    assert np.allclose(np.exp(t.matrix).sum(axis=1), 1.0)
    assert joined_labels(seqs) == ("COLOR", "MAKE")
    assert joined_labels(seqs + [["B-COLOR", "B-COLOR"]]) == ("MAKE",)  # 1 of 55 COLOR spans touches
    again = Decoder.from_json(Decoder(tags, "viterbi", t, 0.5, ("COLOR",)).to_json(), tags)
    assert again.mode == "viterbi" and again.weight == 0.5 and again.joined == ("COLOR",)
    assert np.allclose(again.transitions.matrix, t.matrix, atol=1e-4)
    with pytest.raises(ValueError, match="transitions are for tags"):
        Transitions.from_json(t.to_json(), bio_labels(["MAKE"]))
    with pytest.raises(ValueError, match="decode must be one of"):
        Decoder(tags, "beam")


def _colour_titles(n: int, seed: int) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Titles whose colour is one word, or (1 in 20) two colour words: B-COLOR I-COLOR is rare."""
    rng = random.Random(seed)
    makes = {"Toyota": ["Camry", "Corolla"], "Honda": ["Civic", "Accord"], "Ford": ["Focus", "Mustang"]}
    single = ["Black", "White", "Red", "Blue", "Silver", "Gray", "Green", "Pearl", "Glacier", "Midnight"]
    double = ["Pearl White", "Midnight Blue"]
    out = []
    for _ in range(n):
        make = rng.choice(sorted(makes))
        colour = rng.choice(double) if rng.random() < 0.05 else rng.choice(single)
        parts = [(str(rng.randint(1995, 2024)), "YEAR"), (make, "MAKE"), (rng.choice(makes[make]), "MODEL")]
        parts += [(colour, "COLOR")] + ([("clean title", None)] if rng.random() < 0.5 else [])
        text, spans = "", []
        for k, (piece, label) in enumerate(parts):
            text += " " * bool(k)
            if label:
                spans.append((len(text), len(text) + len(piece), label))
            text += piece
        out.append((text, spans))
    return out


def test_a_trained_student_joins_glacier_white_that_argmax_splits(tmp_path: Path) -> None:
    """A soft student learns from a confident teacher on 400 synthetic titles; for unseen two-word
    colours ("Glacier White") each word looks like a colour of its own, so arg-max tags B-COLOR B-COLOR
    (two spans); Viterbi with the training tags' bigrams gives one COLOR span."""
    import torch
    from carner.training.augment import model_words
    from carner.training.label import LabelledText
    from carner.training.student_soft import SoftStudentConfig, SoftStudentModel, train_soft_student

    torch.set_num_threads(1)
    labels = ["MAKE", "MODEL", "YEAR", "COLOR"]
    tags = bio_labels(labels)
    records = []
    for text, spans in _colour_titles(400, seed=0):
        offsets = model_words(text)
        probs = np.full((len(offsets), len(tags)), 0.02 / (len(tags) - 1), dtype=np.float32)
        for w, tag in enumerate(spans_to_bio(offsets, spans)):
            probs[w, tags.index(tag)] = 0.98
        records.append(LabelledText(text, spans, offsets, probs))
    cfg = SoftStudentConfig(epochs=6, val_fraction=0.0, progress=False, seed=0, threads=1)
    train_soft_student(cfg, records, labels, tmp_path / "soft")

    texts = ["2015 Toyota Camry Glacier White", "2020 Ford Focus Midnight Silver", "2019 Ford Mustang Red"]
    whole = [(18, 31, "COLOR"), (16, 31, "COLOR"), (18, 21, "COLOR")]
    argmax = SoftStudentModel(tmp_path / "soft", decode="argmax").predict(texts)
    joined = SoftStudentModel(tmp_path / "soft").predict(texts)
    colours = [[s for s in p if s[2] == "COLOR"] for p in joined]
    print("argmax:", argmax, "\nviterbi:", joined)
    assert colours == [[w] for w in whole]
    assert sum(len([s for s in p if s[2] == "COLOR"]) > 1 for p in argmax) >= 1  # arg-max does split
    assert all(s in joined[k] for k, p in enumerate(argmax) for s in p if s[2] != "COLOR")
    model = SoftStudentModel(tmp_path / "soft")
    assert [model.predict([t])[0] for t in texts] == joined  # the numpy batch-1 path decodes the same

    from bench.speed import compare_speed

    torch_only = SoftStudentModel(tmp_path / "soft")
    torch_only.batch1 = None
    speed = compare_speed(
        {"torch": torch_only, "numpy": model}, texts, reference="torch", n_texts=30, repeats=2
    )
    row = speed["models"]["numpy"]
    lo, hi = row["speedup_batch1_range"]
    assert row["texts_per_s_batch1"] > 0 and lo <= hi and speed["models"]["torch"]["speedup_batch64"] == 1.0
