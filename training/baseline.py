"""The spaCy NER baseline, and the spaCy training routine the spaCy student reuses.

Training goes through spaCy's own machinery (`init_nlp` + `spacy.training.loop.train`) driven by a
real `.cfg` file with dotted overrides, exactly as `spacy train` would, so a user can take the config
and the DocBins and leave carner. The output directory is `spacy.load`-able and carries a
`metrics.json` (`kind`, `labels`, training facts, then the evaluation on the test split).
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from carner.annotation.labels import Span
from carner.training.artifacts import atomic_dir, read_json, write_json_atomic
from carner.training.dataset import DOCBIN_FILES, read_manifest
from carner.training.identity import dataset_id, eval_data, files_match
from carner.training.npy_io import NPY_FILES, NpyDataset, load_npy_dataset
from carner.training.provenance import provenance
from carner.training.spacy_export import model_key, portable_config, portable_meta
from carner.training.spacy_stream import READER
from carner.training.threads import pins_threads

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
BASELINE_CONFIG = CONFIG_DIR / "baseline.cfg"
METRICS_FILE = "metrics.json"
LOGGER_NAME = "carner.LoggingLogger.v1"
BEAM_WIDTH = 8
STREAM_FALLBACK_BATCH = 32  # docs per step assumed when streaming with a batcher that does not count docs
ConfidenceMeasure = Literal["entity", "sequence", "normalised"]
CONFIDENCE_MEASURES: tuple[str, ...] = ("entity", "sequence", "normalised")
_LAST_STEP: dict[str, Any] = {}  # the last evaluated step of the running training (spaCy keeps no record)


@dataclass
class SpacyTrainConfig:
    """How to train a spaCy NER: the `.cfg` file plus dotted overrides (`{"training.max_epochs": 3}`)."""

    config_path: Path = BASELINE_CONFIG
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    epochs: int | None = None  # shorthand for training.max_epochs
    dev_fraction: float = 0.1  # carved from train for checkpoint selection; the test split stays unseen
    labels: list[str] | None = None  # None: the label set found in the data
    alignment_mode: str = "expand"
    allow_pickle: bool = False
    stream: bool = False  # train shards read one at a time (bounded memory); epochs become a step budget

    def spacy_overrides(self) -> dict[str, Any]:
        out: dict[str, Any] = {"system.seed": self.seed, "training.seed": self.seed}
        if self.epochs is not None:
            out["training.max_epochs"] = self.epochs
        out.update(self.overrides)
        return out


@dataclass
class TrainResult:
    """What a spaCy training wrote and how it went."""

    kind: str
    out_dir: str
    labels: list[str]
    train_texts: int
    dev_texts: int
    steps: int
    epochs: int
    best_dev_f1: float | None
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- logging


@contextmanager
def _own_shuffle(seed: int) -> Iterator[None]:
    """spaCy's training loop and corpus shuffle with the process-wide `random` generator, which any
    other thread may draw from (a Prefect worker's background services, a server): the same seed then
    gave two baselines in two `carner demo` runs. During training they draw from a generator of their own.
    """
    import random

    import spacy.training.corpus
    import spacy.training.loop

    modules = (spacy.training.loop, spacy.training.corpus)
    before = [m.random for m in modules]  # type: ignore[attr-defined]
    own = random.Random(seed)
    for module in modules:
        module.random = own  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, previous in zip(modules, before, strict=True):
            module.random = previous  # type: ignore[attr-defined]


def _register_logger() -> None:
    """A spaCy training logger: `logging` lines and carner's progress bar instead of printing."""
    from spacy.util import registry

    def make_logger(total_steps: int | None = None, name: str = "spacy") -> Callable:
        def setup(nlp: Language, stdout: Any = None, stderr: Any = None) -> tuple[Callable, Callable]:
            from carner.common.progress import progress

            bar = progress(f"train {name}", total=total_steps or None)
            advance = bar.__enter__()  # closed in finalize: spaCy calls setup and finalize, not a `with`

            def log_step(info: dict[str, Any] | None) -> None:
                advance(1)
                _LAST_STEP["steps"] = _LAST_STEP.get("steps", 0) + 1
                if info is None:
                    return
                _LAST_STEP.update(epoch=info.get("epoch"), score=info.get("score"))
                losses = ", ".join(f"{k}={v:.2f}" for k, v in info.get("losses", {}).items())
                score = info.get("score")
                log.info(
                    "%s step %s epoch %s: %s score=%s",
                    name,
                    info.get("step"),
                    info.get("epoch"),
                    losses,
                    f"{score:.4f}" if score is not None else "-",
                )

            def finalize() -> None:
                bar.__exit__(None, None, None)

            return log_step, finalize

        return setup

    registry.loggers.register(LOGGER_NAME, func=make_logger)


# --------------------------------------------------------------------------------------------- training


def _steps_per_epoch(training: Any, n_train: int) -> int | None:
    """Optimiser steps in one pass over `n_train` docs, when the batcher counts docs (`size` a number)."""
    size = training.get("batcher", {}).get("size")
    return math.ceil(n_train / size) if isinstance(size, int) and size > 0 else None


def _estimate_steps(config: Any, n_train: int) -> int | None:
    training = config["training"]
    max_steps = int(training.get("max_steps") or 0)
    epochs = int(training.get("max_epochs") or 0)
    per_epoch = _steps_per_epoch(training, n_train)
    if epochs > 0 and per_epoch is not None:
        total = epochs * per_epoch
        return min(total, max_steps) if max_steps > 0 else total
    return max_steps or None


def _schedule(config: Any, n_train: int, fixed: bool) -> tuple[Any, int]:
    """The resolved config and the evaluation frequency to use.

    spaCy evaluates (and checkpoints) every eval_frequency steps only: on a small set that is
    never, so unless the user set it, evaluate at least once an epoch.
    """
    resolved = config.interpolate()
    training = resolved["training"]
    eval_frequency = int(training["eval_frequency"])
    int(training["max_epochs"]), int(training["max_steps"])  # fail early on a non-integer override
    per_epoch = _steps_per_epoch(training, n_train)
    if not fixed and per_epoch and per_epoch < eval_frequency:
        eval_frequency = max(1, per_epoch)
    return resolved, eval_frequency


def _stream(config: Any, resolved: Any, n_train: int) -> dict[str, Any]:
    """Make spaCy stream the train shards; returns the settings changed, as dotted overrides.

    spaCy lists the whole corpus to reshuffle it each epoch unless `max_epochs` is -1, so the epochs
    become a step budget (`max_steps` when set) and `carner.ShuffledDocBins.v1` does the shuffling.
    """
    training = resolved["training"]
    per_epoch = _steps_per_epoch(training, n_train) or math.ceil(n_train / STREAM_FALLBACK_BATCH)
    budget = int(training["max_steps"]) or int(training["max_epochs"]) * max(1, per_epoch)
    config["corpora"]["train"]["@readers"] = READER
    config["training"]["max_epochs"] = -1
    config["training"]["max_steps"] = budget
    return {"corpora.train.@readers": READER, "training.max_epochs": -1, "training.max_steps": budget}


@pins_threads
def train_spacy_ner(
    train_docbin: Path,
    dev_docbin: Path,
    out_dir: Path,
    kind: str,
    labels: Sequence[str],
    cfg: SpacyTrainConfig | None = None,
    extra_metrics: dict[str, Any] | None = None,
) -> TrainResult:
    """Train spaCy NER from two DocBins into a `spacy.load`-able `out_dir` with `metrics.json`.

    `train_docbin` may be a directory of shards (training.spacy_stream); with `cfg.stream` they are read
    one at a time by `carner.ShuffledDocBins.v1` and the epochs become a step budget.

    Reusable by any spaCy-based kind (baseline, student-spacy): the caller builds the DocBins.
    The best checkpoint on `dev_docbin` is kept; `out_dir` is replaced only when training succeeded.
    """
    import spacy
    from carner.training.spacy_stream import count_docs, register_reader
    from spacy.tokens import DocBin
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train
    from thinc.api import ConfigValidationError

    cfg = cfg or SpacyTrainConfig()
    out_dir = Path(out_dir)
    config_path = Path(cfg.config_path)
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path}: spaCy config not found")
    overrides = {"paths.train": str(train_docbin), "paths.dev": str(dev_docbin), **cfg.spacy_overrides()}
    check_overrides(config_path, overrides)
    try:
        config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    except Exception as exc:  # confection raises several types; name the file and the override
        raise ValueError(f"{config_path}: cannot apply overrides {cfg.overrides}: {exc}") from None
    n_train = count_docs(train_docbin)  # a file, or a directory of shards (training.spacy_stream)
    n_dev = len(DocBin().from_disk(dev_docbin))
    register_reader()
    try:
        resolved, eval_frequency = _schedule(config, n_train, "training.eval_frequency" in cfg.overrides)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(
            f"{config_path}: invalid training settings ({exc}); overrides {cfg.overrides}"
        ) from None
    schedule = {k: int(resolved["training"][k]) for k in ("max_epochs", "max_steps")}  # before streaming
    if cfg.stream:
        overrides.update(_stream(config, resolved, n_train))
        resolved = config.interpolate()
    config["training"]["eval_frequency"] = eval_frequency
    _register_logger()
    config["training"]["logger"] = {
        "@loggers": LOGGER_NAME,
        "total_steps": _estimate_steps(resolved, n_train),
        "name": kind,
    }
    started = time.perf_counter()
    _LAST_STEP.clear()
    log.info("training %s on %d texts (dev %d) with %s %s", kind, n_train, n_dev, config_path.name, overrides)
    with tempfile.TemporaryDirectory(prefix=f"carner-{kind}-") as work:
        try:
            nlp = init_nlp(config, use_gpu=-1)
        except ConfigValidationError as exc:  # a wrong value type in the .cfg or an override
            raise ValueError(f"{config_path}: invalid config: {exc}") from None
        with _own_shuffle(int(resolved["training"]["seed"] or 0)):
            nlp, _ = spacy_train(nlp, Path(work), use_gpu=-1, stdout=io.StringIO(), stderr=io.StringIO())
        # spaCy keeps the best *evaluated* checkpoint; the steps after the last evaluation are only in
        # model-last, so score it on dev too and keep whichever is better.
        best_dir, last_dir = Path(work) / "model-best", Path(work) / "model-last"
        best = _dev_scores(best_dir, dev_docbin) if best_dir.is_dir() else None
        last = _dev_scores(last_dir, dev_docbin)
        chosen, scores = (
            (last_dir, last) if best is None or last["ents_f"] > best["ents_f"] else (best_dir, best)
        )
        dev_f1 = scores["ents_f"]
        seconds = time.perf_counter() - started
        ner_labels = list(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else []
        training = {
            "config": str(config_path),
            "overrides": {k: v for k, v in overrides.items() if not k.startswith("paths.")},
            "seed": cfg.seed,
            "train_texts": n_train,
            "dev_texts": n_dev,
            "steps": int(_LAST_STEP.get("steps") or 0),
            "epochs": int(_LAST_STEP.get("epoch") or 0) + 1,
            "max_epochs": int(resolved["training"]["max_epochs"]),
            "eval_frequency": int(config["training"]["eval_frequency"]),
            "checkpoint": chosen.name,
            "best_dev_f1": dev_f1,
            "seconds": round(seconds, 2),
            "model_labels": ner_labels,
        }
        metrics = {
            "kind": kind,
            "labels": list(labels),
            "framework": "spacy",
            "training": training,
            **(extra_metrics or {}),
            "provenance": provenance(),
        }
        with atomic_dir(out_dir) as tmp:
            shutil.copytree(chosen, tmp, dirs_exist_ok=True)
            portable_config(tmp, schedule)  # `spacy debug config/train/package` work without carner
            portable_meta(tmp, kind, scores, labels, model_key(out_dir, kind, labels, training))
            write_json_atomic(tmp / METRICS_FILE, metrics)
    log.info("%s trained in %.1f s (best dev F1 %s) → %s", kind, seconds, training["best_dev_f1"], out_dir)
    return TrainResult(
        kind=kind,
        out_dir=str(out_dir),
        labels=list(labels),
        train_texts=n_train,
        dev_texts=n_dev,
        steps=training["steps"],
        epochs=training["epochs"],
        best_dev_f1=training["best_dev_f1"],
        seconds=training["seconds"],
        metrics=metrics,
    )


def check_overrides(config_path: Path, overrides: dict[str, Any]) -> None:
    """Every override must name an existing setting: confection would silently add a misspelt one."""
    import spacy

    base = spacy.util.load_config(config_path, interpolate=False)
    for key in overrides:
        node: Any = base
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ValueError(f"{config_path}: override {key!r} names no setting in this config")
            node = node[part]


def _dev_scores(model_dir: Path, dev_docbin: Path) -> dict[str, Any]:
    """Entity P/R/F1 (and per type) of a saved checkpoint on the dev DocBin (spaCy's own scorer)."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Example

    nlp = spacy.load(model_dir)
    examples = [Example(nlp.make_doc(d.text), d) for d in DocBin().from_disk(dev_docbin).get_docs(nlp.vocab)]
    scores = nlp.evaluate(examples)
    out: dict[str, Any] = {k: float(scores.get(k) or 0.0) for k in ("ents_f", "ents_p", "ents_r")}
    out["ents_per_type"] = scores.get("ents_per_type") or {}
    return out


# --------------------------------------------------------------------------------------------- baseline


def _dataset_docs(
    data_dir: Path, ds: NpyDataset, cfg: SpacyTrainConfig, nlp: Language
) -> tuple[list[Doc], dict]:
    """Training docs: the dataset's `train.spacy` when it matches the npy files, else built from them.

    Hand-made npy files have no DocBin (or a stale one), so the npy files are the truth and the
    DocBin is reused only when `dataset.json` proves it was built from these very files.
    """
    from carner.training.spacy_docs import make_docbin
    from spacy.tokens import DocBin

    manifest = read_manifest(data_dir) or {}
    hashes = manifest.get("file_hashes", {})
    docbin_path = data_dir / DOCBIN_FILES["train"]
    names = [NPY_FILES[("text", "train")], NPY_FILES[("labels", "train")], DOCBIN_FILES["train"]]
    fresh = (
        manifest.get("lang", "en") == nlp.lang
        and cfg.alignment_mode == manifest.get("alignment_mode", "expand")
        and files_match(data_dir, hashes, names)
    )
    if fresh:
        log.info("using %s (matches the npy files)", docbin_path)
        return list(DocBin().from_disk(docbin_path).get_docs(nlp.vocab)), manifest["alignment"]["train"]
    db, stats = make_docbin(ds.train_texts, ds.train_spans, nlp=nlp, alignment_mode=cfg.alignment_mode)
    if stats.misaligned or stats.dropped:
        log.warning(
            "train: %d of %d spans not on spaCy token boundaries (%d snapped, %d dropped)",
            stats.misaligned,
            stats.spans,
            stats.snapped,
            stats.dropped,
        )
    return list(db.get_docs(nlp.vocab)), stats.as_dict()


def split_dev(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices (train, dev): a seeded `fraction` of the training texts for checkpoint selection."""
    if n < 2 or fraction <= 0:
        return list(range(n)), list(range(n))  # too small to spare: select on the training texts
    order = np.random.default_rng(seed).permutation(n)
    n_dev = min(max(1, round(fraction * n)), n - 1)
    return sorted(int(i) for i in order[n_dev:]), sorted(int(i) for i in order[:n_dev])


def train_baseline(
    data_dir: Path | str,
    out_dir: Path | str,
    cfg: SpacyTrainConfig | None = None,
    evaluate: bool = True,
    speed: bool = True,
) -> TrainResult:
    """Train the baseline on a dataset directory (four npy files), then evaluate it on the test split."""
    from carner.training.spacy_docs import blank_nlp
    from spacy.tokens import DocBin

    cfg = cfg or SpacyTrainConfig()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    ds = load_npy_dataset(data_dir, labels=cfg.labels, allow_pickle=cfg.allow_pickle)
    if not ds.train_texts:
        raise ValueError(f"{data_dir / NPY_FILES[('text', 'train')]}: no training texts")
    lang = spacy_lang(cfg.config_path)
    nlp = blank_nlp(lang)
    docs, alignment = _dataset_docs(data_dir, ds, cfg, nlp)
    train_idx, dev_idx = split_dev(len(docs), cfg.dev_fraction, cfg.seed)
    extra = {
        "dataset": {
            "dir": str(data_dir),
            "dataset_id": dataset_id(data_dir),
            "train_texts": len(ds.train_texts),
            "test_texts": len(ds.test_texts),
            "alignment_train": {k: v for k, v in alignment.items() if k != "examples"},
        }
    }
    with tempfile.TemporaryDirectory(prefix="carner-docbins-") as work:
        paths = {}
        for name, idx in (("train", train_idx), ("dev", dev_idx)):
            db = DocBin(docs=[docs[i] for i in idx], store_user_data=False)
            paths[name] = Path(work) / f"{name}.spacy"
            db.to_disk(paths[name])
        result = train_spacy_ner(paths["train"], paths["dev"], out_dir, "baseline", ds.labels, cfg, extra)
    if evaluate and ds.test_texts:
        from carner.training.evaluate import evaluate_dir

        result.metrics = evaluate_dir(
            out_dir,
            ds.test_texts,
            ds.test_spans,
            labels=ds.labels,
            eval_data=eval_data(data_dir),
            speed=speed,
        )
    return result


def spacy_lang(config_path: Path) -> str:
    """The `[nlp] lang` of a config, so training docs use the tokenizer the model will have."""
    import spacy

    return str(spacy.util.load_config(config_path, interpolate=False)["nlp"]["lang"])


# --------------------------------------------------------------------------------------------- the model


class SpacyNerModel:
    """A trained spaCy NER behind `training.models.NerModel` (baseline and spaCy student alike).

    `confidence(text)`: spaCy's greedy NER has no probabilities, so a beam search (width 8) over the
    same trained weights scores every candidate entity with the share of beam probability of the
    parses that contain it. A text's confidence is the least decided candidate's `max(p, 1 - p)`:
    1.0 when every candidate is certainly in or certainly out, 0.5 when one is a coin flip.
    """

    def __init__(self, path: Path, nlp: Language, kind: str, labels: list[str]) -> None:
        self.path = Path(path)
        self.nlp = nlp
        self.kind = kind
        self.labels = labels

    def predict(self, texts: list[str], batch_size: int = 64) -> list[list[Span]]:
        return [
            [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
            for doc in self.nlp.pipe(texts, batch_size=max(1, batch_size))
        ]

    def confidence(
        self, texts: list[str], beam_width: int = BEAM_WIDTH, measure: ConfidenceMeasure = "entity"
    ) -> list[float]:
        """`entity`: the least decided candidate entity's max(p, 1 - p). `sequence`: the probability of
        the best whole parse in the beam (least-confidence sampling; long, unusual titles score low).
        `normalised`: that probability per token, p ** (1 / tokens), the maximum normalised
        log-probability of Shen et al. 2017 (active learning for NER): length no longer decides."""
        if measure not in CONFIDENCE_MEASURES:
            known = ", ".join(CONFIDENCE_MEASURES)
            raise ValueError(f"unknown confidence measure {measure!r}; known: {known}")
        ner = self.nlp.get_pipe("ner")
        out: list[float] = []
        for start in range(0, len(texts), 64):
            docs = [self.nlp.make_doc(t) for t in texts[start : start + 64]]
            for name, proc in self.nlp.pipeline:  # the components the NER listens to (tok2vec)
                if name == "ner":
                    break
                docs = list(proc.pipe(docs))
            beams = ner.beam_parse(docs, beam_width=beam_width)
            if measure in ("sequence", "normalised"):
                for doc, beam in zip(docs, beams, strict=True):
                    probs = [float(p) for p, _ in ner.moves.get_beam_parses(beam)]
                    best = min(1.0, max(probs, default=1.0))
                    out.append(best ** (1.0 / max(1, len(doc))) if measure == "normalised" else best)
                continue
            for scores in ner.scored_ents(beams):
                probs = [min(1.0, max(0.0, float(p))) for p in scores.values()]
                out.append(min((max(p, 1.0 - p) for p in probs), default=1.0))
        return out


def load_model(path: Path | str) -> SpacyNerModel:
    """Load a spaCy model directory written by `train_spacy_ner` (any spaCy kind)."""
    import spacy

    path = Path(path)
    metrics_path = path / METRICS_FILE
    meta = read_json(metrics_path) if metrics_path.is_file() else {}
    nlp = spacy.load(path)
    if "ner" not in nlp.pipe_names:
        raise ValueError(f"{path}: spaCy pipeline has no 'ner' component (pipes: {nlp.pipe_names})")
    labels = list(meta.get("labels") or nlp.get_pipe("ner").labels)
    return SpacyNerModel(path, nlp, str(meta.get("kind") or "spacy"), labels)


def result_dict(result: TrainResult) -> dict[str, Any]:
    return asdict(result)
