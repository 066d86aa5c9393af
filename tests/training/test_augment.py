"""Augmentation (Tang et al. 2019): spans stay aligned, each operator does its job only, seeds repeat."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.augment import (  # noqa: E402
    MASK_TOKEN,
    AugmentConfig,
    Augmenter,
    augment,
    collect_values,
    iter_augmented,
    join,
    model_words,
    read_augmented,
    segment,
    validate_spans,
)

from tests.support.tiny_bert import sandbox_titles  # noqa: E402


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[list], list[str]]:
    return sandbox_titles(300, seed=7)


def _units(text: str, spans: list) -> list[tuple[str, str | None]]:
    return [(u.text, u.label) for u in segment(text, spans).units]


def test_every_span_of_thousands_of_variants_is_a_training_value(data) -> None:
    texts, spans, _ = data
    values = {label: set(v) for label, v in collect_values(texts, spans).items()}
    cfg = AugmentConfig(n_iter=20, seed=3)
    n = 0
    per_source = Counter()
    seen = set()
    for text, text_spans, source, _original in iter_augmented(cfg, texts, spans):
        assert text not in seen, "de-duplicated output"
        seen.add(text)
        per_source[source] += 1
        assert validate_spans(text, text_spans, "variant") == sorted(text_spans)
        for s, e, label in text_spans:
            assert text[s:e] in values[label], (text, text[s:e], label)
            # entities sit on word boundaries of the variant too
            words = model_words(text)
            assert s in {ws for ws, _ in words} and e in {we for _, we in words}
        n += 1
    assert n >= 5000
    assert max(per_source.values()) <= cfg.n_iter + 1  # n_iter variants + the original


def test_masking_replaces_words_by_the_mask_and_changes_nothing_else(data) -> None:
    texts, spans, _ = data
    cfg = AugmentConfig(p_mask=0.3, p_pos=0.0, p_ng=0.0)
    aug = Augmenter(cfg, collect_values(texts, spans))
    import random

    rng = random.Random(1)
    changed = 0
    for text, text_spans in zip(texts, spans, strict=True):
        new_text, new_spans = aug.variant(text, text_spans, rng)
        old_words = [text[s:e] for s, e in model_words(text)]
        new_words = [new_text[s:e] for s, e in model_words(new_text)]
        assert len(old_words) == len(new_words)
        for old, new in zip(old_words, new_words, strict=True):
            assert new in (old, MASK_TOKEN)
        changed += old_words != new_words
        # surviving entities keep their text and label, in order; a masked entity is no span any more
        old_ents = [(text[s:e], lab) for s, e, lab in text_spans]
        new_ents = [(new_text[s:e], lab) for s, e, lab in new_spans]
        it = iter(old_ents)
        assert all(ent in it for ent in new_ents)
        for s, e, _ in new_spans:
            assert MASK_TOKEN not in new_text[s:e]
    assert changed > len(texts) // 2
    assert aug.counts["masked"] > 0 and aug.counts["substituted"] == aug.counts["shuffled"] == 0


def test_substitution_swaps_entities_for_same_label_values_only(data) -> None:
    texts, spans, _ = data
    values = collect_values(texts, spans)
    aug = Augmenter(AugmentConfig(p_mask=0.0, p_pos=1.0, p_ng=0.0), values)
    import random

    rng = random.Random(2)
    for text, text_spans in zip(texts, spans, strict=True):
        new_text, new_spans = aug.variant(text, text_spans, rng)
        old_units, new_units = _units(text, text_spans), _units(new_text, new_spans)
        assert len(old_units) == len(new_units)
        for (old, old_label), (new, new_label) in zip(old_units, new_units, strict=True):
            assert old_label == new_label
            if old_label is None:
                assert new == old  # plain words untouched
            elif len(values[old_label]) > 1:
                assert new != old and new in values[old_label]
    assert aug.counts["substituted"] > 0 and aug.counts["masked"] == aug.counts["shuffled"] == 0


def test_shuffle_reorders_one_window_and_never_cuts_an_entity(data) -> None:
    texts, spans, _ = data
    aug = Augmenter(AugmentConfig(p_mask=0.0, p_pos=0.0, p_ng=1.0), collect_values(texts, spans))
    import random

    rng = random.Random(3)
    shuffled = 0
    for text, text_spans in zip(texts, spans, strict=True):
        new_text, new_spans = aug.variant(text, text_spans, rng)
        old_units, new_units = _units(text, text_spans), _units(new_text, new_spans)
        assert Counter(old_units) == Counter(new_units)  # same words and whole entities, same labels
        # same characters, give or take the spaces put between units that touched
        assert sorted(new_text.replace(" ", "")) == sorted(text.replace(" ", ""))
        diff = [i for i, (a, b) in enumerate(zip(old_units, new_units, strict=True)) if a != b]
        if diff:
            shuffled += 1
            assert 2 <= diff[-1] - diff[0] + 1 <= 5  # one window of n <= 5 units
    assert shuffled > len(texts) // 2
    assert aug.counts["masked"] == aug.counts["substituted"] == 0


def test_same_seed_same_file_other_seed_other_file(data, tmp_path: Path) -> None:
    texts, spans, _ = data
    a = augment(AugmentConfig(n_iter=5, seed=11), texts, spans, tmp_path / "a", progress=False)
    b = augment(AugmentConfig(n_iter=5, seed=11), texts, spans, tmp_path / "b", progress=False)
    c = augment(AugmentConfig(n_iter=5, seed=12), texts, spans, tmp_path / "c", progress=False)
    bytes_a = Path(a.path).read_bytes()
    assert bytes_a == Path(b.path).read_bytes()
    assert bytes_a != Path(c.path).read_bytes()
    lines = list(read_augmented(tmp_path / "a"))
    assert len(lines) == a.n_written == len({t for t, _ in lines})
    assert a.n_original == len(set(texts))
    assert a.n_written <= len(texts) * 6
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["n_written"] == a.n_written and manifest["config"]["seed"] == 11


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="text 1: span .* overlaps"):
        bad = [[], [(0, 4, "MAKE"), (2, 10, "MODEL")]]
        list(iter_augmented(AugmentConfig(n_iter=1), ["a b", "Ford Focus"], bad))
    with pytest.raises(ValueError, match="text 0: span .* outside"):
        list(iter_augmented(AugmentConfig(n_iter=1), ["Ford"], [[(0, 9, "MAKE")]]))
    with pytest.raises(ValueError, match="p_mask"):
        AugmentConfig(p_mask=1.5)


def test_bad_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "augmented.jsonl"
    path.write_text('{"text": "Ford Focus", "label": [[0, 4, "MAKE"]]}\n{"text": 3\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"augmented\.jsonl:2"):
        list(read_augmented(path))


def test_mask_token_is_one_word_and_segments_round_trip() -> None:
    text = "2019 [MASK] 320d xDrive – Škoda🚗"
    words = [text[s:e] for s, e in model_words(text)]
    assert MASK_TOKEN in words and "[" not in words
    spans = [(0, 4, "YEAR"), (12, 16, "MODEL")]
    assert join(segment(text, spans)) == (text, spans)


def test_segmenting_every_title_round_trips(data) -> None:
    texts, spans, _ = data
    for text, text_spans in zip(texts, spans, strict=True):
        seg = segment(text, text_spans)
        assert join(seg) == (text, text_spans)
        assert all(u.text for u in seg.units)
