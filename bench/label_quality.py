"""Per-label effect of each teacher/student option at a research-like scale that fits one session.

    .venv/bin/python bench/label_quality.py --out DIR [--listings 2800] [--steps data,baseline,teacher,...]
        [--set teacher_epochs=3 ...]

Why a separate bench: `bench/models.py --scale research` takes over an hour on a 2-core CPU, too long
to try each decoding and labelling option there. This bench builds one dataset from sandbox listings through
`training.dataset` (same generator, same split by listing, ~650 train / ~650 test titles at the
default size) and trains every model through the training chain (`training.chain.run_chain`): each
option is a plan variant (`PLAN` plus one override), so its steps get the chain's keys, inputs (the
students' gold dev set) and "is it done?" checks, and a run resumes where it stopped. Every model and
decoder is scored per label on the test split, spans snapped to the car catalogue as every carner door
reads them; `results.json` collects all.

Steps:
  data        sandbox listings -> npy dataset (the plan's split)
  baseline    spaCy NER (training/configs/baseline.cfg, 15 epochs)
  teacher     MiniLM, teacher_label_weighting none
  teacher-isqrt  the same with teacher_label_weighting inverse_sqrt (the default)
  decode      every teacher scored with argmax / viterbi (constraints only) / viterbi + joined labels
  committee   the default teacher + baseline committee (training.committee) scored at several BERT weights
  students    augment x N_ITER, label by the default teacher and by the committee, one soft student each
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carner.training.chain import bind, run_chain  # noqa: E402
from carner.training.plan import TrainPlan  # noqa: E402

log = logging.getLogger("bench.label_quality")

# The plan every variant starts from: the demo's teacher settings (batch 16, lr 2e-4, classifier dropout
# 0.5, encoder 0.1; a few hundred titles and a few epochs are all a shared 2-core CPU trains in one
# session), one thread, no timing, nothing promoted.
N_ITER = 5
PLAN = TrainPlan(
    kinds=["baseline"],
    baseline_epochs=15,
    teacher_epochs=5,
    teacher_batch_size=16,
    teacher_learning_rate=2e-4,
    teacher_dropout=0.5,
    teacher_encoder_dropout=0.1,
    teacher_patience=2,
    threads=1,
    augment_n_iter=N_ITER,
    label_chunk_size=5000,
    soft_epochs=4,
    soft_batch_size=32,
    measure_speed=False,
    promote=False,
)
TEACHERS = {"teacher": {"teacher_label_weighting": "none"}, "teacher-isqrt": {}}
STEPS = ("data", "baseline", "teacher", "teacher-isqrt", "decode", "committee", "students")
COMMITTEE_WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9)


def _variant(base: TrainPlan, kind: str, **update: Any) -> TrainPlan:
    return base.model_copy(update={"kinds": [kind], **update})


def plan_with(items: list[str]) -> TrainPlan:
    """`PLAN` with `--set key=value` overrides of its fields."""
    from bench.common import parse_key_values

    changes = parse_key_values(items, set(TrainPlan.model_fields))
    try:
        return TrainPlan.model_validate({**PLAN.model_dump(), **changes})
    except ValueError as exc:
        raise SystemExit(f"--set: {exc}") from None


def _dataset(out: Path, n_listings: int, base: TrainPlan) -> Any:
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.dataset import build_dataset, records_from_listings
    from carner.training.npy_io import load_npy_dataset

    data = out / "data"
    if not (data / "dataset.json").is_file():
        cfg = base.dataset_config()
        build_dataset(
            records_from_listings(generate_listings(n_listings, seed=cfg.seed)), data, cfg.test_size, cfg.seed
        )
    return load_npy_dataset(data)


def _output(out: Path, plan: TrainPlan, step: str) -> Path:
    """Where the chain keeps `step`'s output for `plan` (nothing runs)."""
    return Path(next(s.out for s in bind(plan, out / "data", out, [step]) if s.name == step))


def _chain(out: Path, plan: TrainPlan) -> Path:
    """Run the plan through the chain (done steps are skipped); the directory of its model."""
    result = run_chain(plan, out / "data", out)
    for name, outcome in result.steps.items():
        log.info("%s: %s (%.0f s)", name, "unchanged" if outcome.skipped else "ran", outcome.seconds)
    return Path(result.models[plan.kinds[0]])


def _scores(ds: Any, pred: list) -> dict[str, Any]:
    from carner.annotation.snap import snap_spans
    from carner.training.evaluate import score_spans

    snapped = [snap_spans(t, p) for t, p in zip(ds.test_texts, pred, strict=True)]
    return _summary(score_spans(ds.test_spans, snapped, ds.labels))


def _chain_scores(model: Path) -> dict[str, Any]:
    """The chain's own evaluation of a model (its metrics.json, test split, snapped spans)."""
    from carner.training.metrics import read_metrics

    return {**_summary(read_metrics(model).raw), "model": str(model)}


def _summary(scores: dict[str, Any]) -> dict[str, Any]:
    """A results row from `score_spans`' output (metrics.json holds the same parts)."""
    return {
        "micro_f1": round(scores["micro"]["f1"], 4),
        "macro_f1": round(scores["macro"]["f1"], 4),
        "per_label_f1": {k: round(v["f1"], 4) for k, v in scores["per_label"].items()},
        "support": {k: v["support"] for k, v in scores["per_label"].items()},
    }


def _record(out: Path, key: str, value: Any) -> None:
    from carner.common.files import atomic_file

    path = out / "results.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[key] = value
    with atomic_file(path, "w") as fh:
        fh.write(json.dumps(results, indent=1))
    log.info("%s: %s", key, json.dumps({k: v for k, v in value.items() if k != "support"}))


def step_decode(out: Path, ds: Any, base: TrainPlan) -> None:
    from carner.training.decode import Decoder
    from carner.training.teacher import TeacherModel

    for name, update in TEACHERS.items():
        model = TeacherModel(_output(out, _variant(base, "teacher", **update), "teacher"), threads=1)
        preds = model.predict_with_probs(ds.test_texts)
        for mode, decoder in (
            ("argmax", Decoder(model.tags, "argmax")),
            ("viterbi", Decoder(model.tags, "viterbi")),
            ("viterbi+joined", Decoder(model.tags, "viterbi", joined=model.decoder.joined)),
        ):
            spans = [decoder.spans(p.word_offsets, p.probs) for p in preds]
            _record(out, f"{name}/{mode}", _scores(ds, spans))


def step_committee(out: Path, ds: Any, base: TrainPlan) -> None:
    """The committee of the default teacher and the baseline scored on the test split at several weights."""
    from carner.training.committee import CommitteeTeacher
    from carner.training.teacher import TeacherModel

    model = TeacherModel(_output(out, _variant(base, "teacher"), "teacher"), threads=1)
    preds = model.predict_with_probs(ds.test_texts)
    committee = CommitteeTeacher(model, _output(out, _variant(base, "baseline"), "baseline"))
    spacy_spans = committee.spacy.predict(ds.test_texts)
    for w in COMMITTEE_WEIGHTS:
        committee.bert_weight = w
        spans = [committee.combine(p, sp).spans for p, sp in zip(preds, spacy_spans, strict=True)]
        _record(out, f"committee(teacher-isqrt+baseline, w={w})", _scores(ds, spans))


def step_students(out: Path, ds: Any, labellers: list[str], base: TrainPlan) -> None:
    """One soft student per labelling ("teacher": the default teacher; "committee:W": it with the
    baseline at BERT weight W), each the chain's student-soft step of its plan variant."""
    from carner.training.student_soft import SoftStudentModel

    baseline = str(_output(out, _variant(base, "baseline"), "baseline"))
    for name in labellers:
        who, _, weight = name.partition(":")
        update: dict[str, Any] = {}
        if who == "committee":
            update = {"label_committee_baseline": baseline, "label_committee_bert_weight": float(weight)}
        elif who != "teacher":
            raise ValueError(f"unknown labeller {name!r} (teacher or committee:W)")
        student = _chain(out, _variant(base, "student-soft", **update))
        _record(out, f"student-soft({name})", _chain_scores(student))
        for mode in ("argmax", "viterbi"):
            pred = SoftStudentModel(student, decode=mode).predict(ds.test_texts)
            _record(out, f"student-soft({name})/{mode}", _scores(ds, pred))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--listings", type=int, default=1400)
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--labellers", default="teacher,committee:0.7", help="for the students step")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a PLAN field")
    args = ap.parse_args(argv)
    base = plan_with(args.set)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    unknown = set(steps) - set(STEPS)
    if unknown:
        ap.error(f"unknown steps {sorted(unknown)}; known: {', '.join(STEPS)}")
    ds = _dataset(out, args.listings, base)
    log.info(
        "dataset: %d train / %d test titles, labels %s", len(ds.train_texts), len(ds.test_texts), ds.labels
    )
    if "baseline" in steps:
        _record(out, "baseline", _chain_scores(_chain(out, _variant(base, "baseline"))))
    for name, update in TEACHERS.items():
        if name in steps:
            _record(out, name, _chain_scores(_chain(out, _variant(base, "teacher", **update))))
    if "decode" in steps:
        step_decode(out, ds, base)
    if "committee" in steps:
        step_committee(out, ds, base)
    if "students" in steps:
        step_students(out, ds, args.labellers.split(","), base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
