"""One evaluation for every model kind: entity-level exact match, size on disk, CPU speed.

Why one function: the report compares a spaCy baseline, a BERT teacher and two students; the
comparison is only fair when the same code scores them on the same test texts. A predicted entity
counts only when start, end and label all match a gold one (CoNLL-style, as seqeval); macro averages
run over the labels that occur in gold or predictions (seqeval's convention), so a label absent
from a test set does not drag the average down with a 0/0.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from carner.annotation.labels import Span, order_labels
from carner.training.artifacts import dir_size, read_json, write_json_atomic
from carner.training.models import snap_version
from carner.training.tokens import bio_to_spans, spans_to_bio, word_tokens

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
SPEED_TEXTS = 1000  # most texts timed (at most the test split, never cycled), best of 3 passes
WARMUP_TEXTS = 10
SPEED_REPEATS = 3  # best of: see measure_speed


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Precision, recall, F1 with 0 for 0/0 (seqeval's zero_division default, without its warning)."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def score_spans(
    gold: Sequence[Sequence[Span]],
    pred: Sequence[Sequence[Span]],
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Exact-match entity scores: micro, macro and per label (`labels` first, then any others seen)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold span lists but {len(pred)} predictions")
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs = {(int(s), int(e), str(lab)) for s, e, lab in g}
        ps = {(int(s), int(e), str(lab)) for s, e, lab in p}
        n_gold.update(lab for _, _, lab in gs)
        n_pred.update(lab for _, _, lab in ps)
        tp.update(lab for _, _, lab in gs & ps)
    seen = set(n_gold) | set(n_pred)
    ordered = list(labels or []) + order_labels(seen - set(labels or []))
    per_label = {
        lab: {
            **_prf(tp[lab], n_pred[lab], n_gold[lab]),
            "support": n_gold[lab],
            "predicted": n_pred[lab],
            "correct": tp[lab],
        }
        for lab in ordered
    }
    scored = [lab for lab in ordered if lab in seen]
    macro = {
        k: float(np.mean([per_label[lab][k] for lab in scored])) if scored else 0.0
        for k in ("precision", "recall", "f1")
    }
    micro = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return {
        "micro": micro,
        "macro": macro,
        "macro_labels": scored,
        "per_label": per_label,
        "support": sum(n_gold.values()),
        "predicted": sum(n_pred.values()),
    }


def to_bio(texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> list[list[str]]:
    """BIO tags over carner's word split (`training.tokens`), the form seqeval scores."""
    return [spans_to_bio(word_tokens(t), list(s)) for t, s in zip(texts, spans, strict=True)]


def from_bio(texts: Sequence[str], tags: Sequence[Sequence[str]]) -> list[list[Span]]:
    return [bio_to_spans(word_tokens(t), list(tg)) for t, tg in zip(texts, tags, strict=True)]


def dictionary_floor(
    train_texts: Sequence[str], train_spans: Sequence[Sequence[Span]], texts: Sequence[str]
) -> list[list[Span]]:
    """Predictions of a lookup table of the training entities (case-insensitive, longest match first).

    The floor a model must beat to show it learned more than a list of names: it scores what a
    model that only memorised its training entities would, on words carner's tokenizer splits.
    """
    from collections import defaultdict

    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for text, spans in zip(train_texts, train_spans, strict=True):
        for s, e, label in spans:
            votes[text[s:e].casefold()][label] += 1
    lexicon = {k: c.most_common(1)[0][0] for k, c in votes.items()}
    longest = max((len(word_tokens(k)) for k in lexicon), default=0)
    out = []
    for text in texts:
        toks, pred, i = word_tokens(text), [], 0
        while i < len(toks):
            for n in range(min(longest, len(toks) - i), 0, -1):
                s, e = toks[i][0], toks[i + n - 1][1]
                label = lexicon.get(text[s:e].casefold())
                if label:
                    pred.append((s, e, label))
                    i += n
                    break
            else:
                i += 1
        out.append(pred)
    return out


def measure_speed(
    model: Any,
    texts: Sequence[str],
    n_texts: int = SPEED_TEXTS,
    warmup: int = WARMUP_TEXTS,
    batch_size: int = 64,
    repeats: int = SPEED_REPEATS,
) -> dict[str, Any]:
    """CPU throughput at batch 1 and `batch_size`, and per-text latency p50/p95 at batch 1, after warm-up.

    At most `n_texts` texts of the test set are timed, never more than it holds: timing costs at most
    `repeats` + 1 passes over the test split at batch 1, whatever its size (a slow model on a tiny split
    is not timed for minutes). Each timing is taken `repeats` times and the fastest kept (as `timeit`
    advises): on a shared CPU, the slower passes measure the neighbours, not the model.
    """
    from carner.common.progress import progress

    if not texts:
        return {}
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    pool = list(texts[: max(1, n_texts)])
    single = pool
    batches = [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
    best_lat: np.ndarray | None = None
    best_batched_s = float("inf")
    steps = repeats * (len(single) + len(batches))
    with progress(f"timing {getattr(model, 'kind', 'model')}", total=steps) as advance:
        model.predict(list(pool[: max(1, warmup)]))  # warm-up: lazy init, caches, thread pools
        for t in pool[: max(1, warmup)]:
            model.predict([t])
        for _ in range(repeats):
            latencies = []
            for t in single:
                t0 = time.perf_counter()
                model.predict([t])
                latencies.append(time.perf_counter() - t0)
                advance(1)
            lat = np.array(latencies)
            if best_lat is None or lat.sum() < best_lat.sum():
                best_lat = lat
            t0 = time.perf_counter()
            for batch in batches:
                model.predict(list(batch))
            best_batched_s = min(best_batched_s, time.perf_counter() - t0)
            advance(len(batches))
    assert best_lat is not None
    return {
        "texts_per_s_batch1": len(single) / float(best_lat.sum()),
        f"texts_per_s_batch{batch_size}": len(pool) / best_batched_s,
        "latency_ms_p50": float(np.percentile(best_lat, 50) * 1000),
        "latency_ms_p95": float(np.percentile(best_lat, 95) * 1000),
        "timed_texts_batch1": len(single),
        f"timed_texts_batch{batch_size}": len(pool),
        "timing_repeats": repeats,
        "cpu_count": os.cpu_count(),
        "device": str(getattr(model, "device", "cpu")),
    }


def evaluate_model(
    model: Any,
    texts: Sequence[str],
    gold_spans: Sequence[Sequence[Span]],
    labels: Sequence[str] | None = None,
    *,
    speed: bool = True,
    speed_texts: int = SPEED_TEXTS,
    warmup: int = WARMUP_TEXTS,
) -> dict[str, Any]:
    """Score any `NerModel` on texts with gold spans; returns the evaluation part of `metrics.json`."""
    texts = list(texts)
    if len(texts) != len(gold_spans):
        raise ValueError(f"{len(texts)} texts but {len(gold_spans)} gold span lists")
    labels = list(labels) if labels is not None else list(getattr(model, "labels", []) or [])
    t0 = time.perf_counter()
    pred = model.predict(texts)
    predict_s = time.perf_counter() - t0
    if len(pred) != len(texts):
        raise ValueError(f"model {model.kind} returned {len(pred)} predictions for {len(texts)} texts")
    scores = score_spans(gold_spans, pred, labels)
    result: dict[str, Any] = {
        "n_texts": len(texts),
        "f1": scores["micro"]["f1"],
        "precision": scores["micro"]["precision"],
        "recall": scores["micro"]["recall"],
        **scores,
        "size_bytes": dir_size(model.path),
        "predict_seconds": round(predict_s, 4),
        "snap": snap_version(model),
        "evaluated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if speed:
        result["speed"] = measure_speed(model, texts, n_texts=speed_texts, warmup=warmup)
    log.info(
        "%s: micro F1 %.4f, macro F1 %.4f, %d bytes",
        model.kind,
        result["f1"],
        scores["macro"]["f1"],
        result["size_bytes"],
    )
    return result


def update_metrics(model_dir: Path | str, evaluation: dict[str, Any]) -> dict[str, Any]:
    """Merge an evaluation into a model's `metrics.json` (kind, labels and training facts kept)."""
    path = Path(model_dir) / METRICS_FILE
    metrics = read_json(path) if path.is_file() else {}
    metrics.update(evaluation)
    write_json_atomic(path, metrics)
    return metrics


def evaluate_dir(
    model_dir: Path | str,
    texts: Sequence[str],
    gold_spans: Sequence[Sequence[Span]],
    labels: Sequence[str] | None = None,
    eval_data: dict[str, Any] | None = None,
    snap: bool = True,
    **kwargs: Any,
) -> dict[str, Any]:
    """Load any model directory by its kind, evaluate it, and update its `metrics.json`
    (`snap=False`: the model's own spans, not snapped to the car catalogue)."""
    from carner.training.models import load_model

    model = load_model(model_dir, snap=snap)
    evaluation = evaluate_model(model, texts, gold_spans, labels, **kwargs)
    # Always replaced: a stale eval_data (another test split) must never describe these figures.
    evaluation["eval_data"] = dict(eval_data or {})
    return update_metrics(model_dir, evaluation)


def evaluate_on_dataset(
    model_dir: Path | str, data_dir: Path | str, *, allow_pickle: bool = False, **kwargs: Any
) -> dict[str, Any]:
    """Evaluate a model directory on a dataset directory's test split; records its `test_id`.

    Every door (the chain, `carner evaluate`, promotion) evaluates through this function, so every
    `metrics.json` says which test split its figures come from (`training.identity.eval_data`).
    """
    from carner.training.identity import eval_data
    from carner.training.npy_io import load_npy_dataset

    ds = load_npy_dataset(Path(data_dir), allow_pickle=allow_pickle)
    if not ds.test_texts:
        raise ValueError(f"{data_dir}: the test split is empty")
    return evaluate_dir(
        model_dir, ds.test_texts, ds.test_spans, labels=ds.labels, eval_data=eval_data(data_dir), **kwargs
    )
