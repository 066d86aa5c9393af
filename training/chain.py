"""The training chain as data: baseline, teacher → augment → label → students, then evaluation.

One list of steps (`STEPS`), each a name, the steps it needs, the plan's part that decides whether
it is unchanged, where its output lives, and the plain function that runs it. Every door runs this
list through `run_chain` and differs only in how one step is executed:
- `carner train all`: in this process (`run_step`);
- the `train-models` flow: each step a Prefect task whose cache key is the step's key;
- `bench/models.py`: each step in a child process (its own wall time and peak memory);
- the single-step commands (`carner train baseline|teacher|student`, `augment`, `label`) and the
  bench's variants: some steps alone (`run_chain(..., only=...)`), whose inputs must be done already
  or be given (`given=`, then keyed by the identity of what was given).

Layout (`carner.common.layout.WorkLayout`, under a work directory):
    models/<kind>/<key>/      a trained model (metrics.json last, so a complete one has it)
    augmented/<key>/          augmented.jsonl
    labelled/<key>/           teacher labels, chunk by chunk (index.json says which are done)
A step's key hashes its inputs (the dataset's id, the keys of the steps it reads, its stage config),
so a step is unchanged exactly when its keyed output is complete, whichever door made it. A killed
step resumes: models are swapped in whole (`training.artifacts.atomic_dir`), labelling keeps its
finished chunks, evaluation is redone. After the steps, every model is recorded in the registry
(`training.registry`) and promoted when it beats its kind's champion on the current test split.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from carner.training.identity import dataset_id, key, output_id, test_id
from carner.training.plan import TrainPlan

from carner.common.layout import WorkLayout

log = logging.getLogger(__name__)

# Config fields that change how a step runs, never what it produces: not part of a step's key.
RUN_ONLY_FIELDS = frozenset({"progress", "threads", "device", "restart", "max_chunks", "allow_pickle"})


@dataclass(frozen=True)
class StepContext:
    """What a step function gets: the plan, the dataset, its own output and its inputs' outputs."""

    plan: TrainPlan
    data_dir: Path
    out: Path
    needs: dict[str, Path]
    key: str


@dataclass(frozen=True)
class Step:
    """One step of the chain (see the module doc)."""

    name: str
    needs: tuple[str, ...]
    inputs: Callable[[TrainPlan], Any]  # the plan's part deciding "unchanged" (JSON-able)
    output: Callable[[Path, str], Path] | None  # (work directory, key) -> output; None: its input's
    done: Callable[[StepContext], bool]  # whether the output is complete for this key
    run: Callable[[StepContext], dict[str, Any]]  # the plain function; returns a small summary
    model_kind: str | None = None  # the model kind it trains
    on_test_split: bool = False  # its key depends on the test split only (evaluation), not the dataset


@dataclass
class BoundStep:
    """A step bound to a plan, a dataset and a work directory: plain data (for tasks and children)."""

    name: str
    key: str
    out: str
    data_dir: str
    needs: dict[str, str]
    plan: dict[str, Any]

    def context(self) -> StepContext:
        return StepContext(
            TrainPlan.model_validate(self.plan),
            Path(self.data_dir),
            Path(self.out),
            {k: Path(v) for k, v in self.needs.items()},
            self.key,
        )

    def done(self) -> bool:
        return STEPS[self.name].done(self.context())


@dataclass
class StepOutcome:
    name: str
    key: str
    out: str
    skipped: bool
    seconds: float
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChainResult:
    """What a run of the chain did: every step's outcome, the models, the registry's decisions."""

    dataset_id: str
    test_id: str
    steps: dict[str, StepOutcome]
    models: dict[str, str]
    registered: dict[str, int] = field(default_factory=dict)
    promotions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return [n for n, o in self.steps.items() if o.skipped]

    @property
    def seconds(self) -> dict[str, float]:
        return {n: o.seconds for n, o in self.steps.items()}


# ------------------------------------------------------------------------------------------ helpers
def config_inputs(cfg: Any) -> dict[str, Any]:
    """A stage config's fields that decide its output (run-only fields left out)."""
    data = asdict(cfg) if is_dataclass(cfg) else dict(cfg)
    return {k: v for k, v in sorted(data.items()) if k not in RUN_ONLY_FIELDS}


def _metrics_done(ctx: StepContext) -> bool:
    return (ctx.out / "metrics.json").is_file()


def _load(ctx: StepContext) -> Any:
    from carner.training.npy_io import load_npy_dataset

    return load_npy_dataset(ctx.data_dir, allow_pickle=ctx.plan.allow_pickle)


def _summary(obj: Any, drop: tuple[str, ...] = ("history", "metrics", "config")) -> dict[str, Any]:
    import json

    data = asdict(obj) if is_dataclass(obj) else dict(obj)
    return json.loads(json.dumps({k: v for k, v in data.items() if k not in drop}, default=str))


def model_dir(workdir: Path, kind: str, step_key: str) -> Path:
    """`<workdir>/models/<kind>/<key>`: the one model layout (`carner.common.layout`)."""
    return WorkLayout(Path(workdir)).model(kind, step_key)


def step_key(name: str, data_dir: Path | str, cfg: Any, upstream: dict[str, str]) -> str:
    """A model step's key from its stage config: what `bind` computes from a plan, for the
    single-step commands (`carner train baseline` with the plan's settings lands where the chain would)."""
    data = Path(data_dir)
    data_id = dataset_id(data) if (data / "text_train.npy").is_file() else None  # a student needs none
    return key(name, upstream, data_id, config_inputs(cfg))


# ------------------------------------------------------------------------------- before the chain
# The steps that make the dataset the chain reads, in order. They write to a database and a site,
# not to keyed directories, so they are run by the flows (`flows.pipeline`: scrape, export and
# import annotations, dataset) and by `bench/models.py` (its stages), and `run_dataset` is the one
# dataset step both call, with the plan's split.
DATA_STEPS: tuple[str, ...] = ("scrape", "annotate", "dataset")


def run_dataset(
    plan: TrainPlan,
    db_url: str,
    out_dir: Path | str,
    *,
    source: str | None = None,
    fields: tuple[str, ...] | None = None,
    migrate: bool = True,
) -> Any:
    """The dataset step: the database's annotated texts split by the plan (`TrainPlan.dataset_config`)
    into the npy files, DocBins and dataset.json under `out_dir`; returns the `DatasetManifest`."""
    from carner.db.engine import open_session
    from carner.training.dataset import build_dataset_from_db

    settings = {k: v for k, v in (("source", source), ("fields", fields)) if v is not None}
    with open_session(db_url, migrate=migrate) as session:
        return build_dataset_from_db(session, Path(out_dir), plan.dataset_config(**settings))


# ------------------------------------------------------------------------------------- step functions
def run_baseline(ctx: StepContext) -> dict[str, Any]:
    """spaCy NER on the gold training split (evaluation is its own step)."""
    from carner.training.baseline import train_baseline

    return _summary(train_baseline(ctx.data_dir, ctx.out, ctx.plan.baseline_config(), evaluate=False))


def run_teacher(ctx: StepContext) -> dict[str, Any]:
    """The BERT teacher fine-tuned on the gold training split."""
    from carner.training.teacher import train_teacher

    ds = _load(ctx)
    cfg = ctx.plan.teacher_config()
    return _summary(train_teacher(cfg, ds.train_texts, ds.train_spans, ds.labels, ctx.out))


def run_augment(ctx: StepContext) -> dict[str, Any]:
    """Augmented variants of the gold training split (Tang et al. 2019)."""
    from carner.training.augment import augment

    ds = _load(ctx)
    return _summary(
        augment(ctx.plan.augment_config(), ds.train_texts, ds.train_spans, ctx.out, progress=False)
    )


def _augment_done(ctx: StepContext) -> bool:
    from carner.training.augment import AUGMENTED_FILE

    return (ctx.out / AUGMENTED_FILE).is_file() and (ctx.out / "manifest.json").is_file()


def run_label(ctx: StepContext) -> dict[str, Any]:
    """The teacher's spans and per-word probabilities for every augmented text, chunk by chunk,
    on the plan's executor (this process, or Dask worker processes)."""
    source = ctx.needs["augment"]  # the augment step's directory, or a JSONL file given to `carner label`
    if ctx.plan.label_executor == "dask":
        from carner.training.label_dask import label_file_dask

        manifest = label_file_dask(
            ctx.plan.label_config(), ctx.needs["teacher"], source, ctx.out, workers=ctx.plan.label_workers
        )
    else:
        from carner.training.label import label_file
        from carner.training.teacher import TeacherModel

        teacher = TeacherModel(ctx.needs["teacher"], device=ctx.plan.device, threads=ctx.plan.threads)
        manifest = label_file(ctx.plan.label_config(), teacher, source, ctx.out)
    if not manifest.complete and ctx.plan.label_max_chunks is None:
        raise RuntimeError(f"{ctx.out}: labelling incomplete ({manifest.n_chunks} chunks expected)")
    return _summary(manifest)


def _label_done(ctx: StepContext) -> bool:
    from carner.training.artifacts import read_json
    from carner.training.label import INDEX_FILE

    index = ctx.out / INDEX_FILE
    return index.is_file() and bool(read_json(index).get("complete"))


def _gold_dev(ctx: StepContext) -> tuple[list[str], list[Any], list[str]]:
    """Gold dev titles for the students' checkpoint choice: the baseline's own dev slice of the
    gold training split (never the test split), so every spaCy model selects on the same gold."""
    from carner.training.baseline import split_dev

    ds = _load(ctx)
    _, dev_idx = split_dev(len(ds.train_texts), ctx.plan.baseline_config().dev_fraction, ctx.plan.seed)
    return [ds.train_texts[i] for i in dev_idx], [ds.train_spans[i] for i in dev_idx], ds.labels


def run_student_spacy(ctx: StepContext) -> dict[str, Any]:
    """spaCy NER on the teacher's hard labels of the augmented set."""
    from carner.training.label import iter_labelled
    from carner.training.student_spacy import train_spacy_student

    texts, spans, labels = _gold_dev(ctx)
    result = train_spacy_student(
        ctx.plan.spacy_student_config(),
        iter_labelled(ctx.needs["label"]),
        labels,
        ctx.out,
        dev_texts=texts,
        dev_spans=spans,
    )
    return _summary(result)


def run_student_soft(ctx: StepContext) -> dict[str, Any]:
    """The small soft-label network on the teacher's per-word probabilities."""
    from carner.training.label import iter_labelled
    from carner.training.student_soft import train_soft_student

    texts, spans, labels = _gold_dev(ctx)
    result = train_soft_student(
        ctx.plan.soft_student_config(),
        iter_labelled(ctx.needs["label"]),
        labels,
        ctx.out,
        val_texts=texts,
        val_spans=spans,
    )
    return _summary(result)


def _snap_version() -> str:
    from carner.annotation.snap import SNAP_VERSION

    return SNAP_VERSION


def _evaluate_step(kind: str) -> Step:
    def run(ctx: StepContext) -> dict[str, Any]:
        from carner.training.evaluate import evaluate_on_dataset, update_metrics

        m = evaluate_on_dataset(
            ctx.needs[kind], ctx.data_dir, speed=ctx.plan.measure_speed, speed_texts=ctx.plan.speed_texts
        )
        update_metrics(ctx.needs[kind], {"eval_key": ctx.key})
        return {
            "micro_f1": m["f1"],
            "macro_f1": m["macro"]["f1"],
            "size_bytes": m["size_bytes"],
            "speed": m.get("speed"),
        }

    def done(ctx: StepContext) -> bool:
        from carner.training.metrics import read_metrics

        path = ctx.needs[kind]
        return (path / "metrics.json").is_file() and read_metrics(path).raw.get("eval_key") == ctx.key

    return Step(
        name=f"eval:{kind}",
        needs=(kind,),
        # "speed" only when off, so the keys of evaluations that were timed stay as they were
        inputs=lambda plan: {
            "speed_texts": plan.speed_texts,
            **({} if plan.measure_speed else {"speed": False}),
            "snap": _snap_version(),  # figures read with other snapping rules are redone
        },
        output=None,  # evaluates the model in place (its metrics.json)
        done=done,
        run=run,
        on_test_split=True,
    )


def _model_step(kind: str, needs: tuple[str, ...], inputs: Callable, run: Callable) -> Step:
    return Step(
        name=kind,
        needs=needs,
        inputs=inputs,
        output=lambda workdir, k, _kind=kind: model_dir(workdir, _kind, k),
        done=_metrics_done,
        run=run,
        model_kind=kind,
    )


# ------------------------------------------------------------------------------------------ the list
STEP_LIST: tuple[Step, ...] = (
    _model_step("baseline", (), lambda p: config_inputs(p.baseline_config()), run_baseline),
    _model_step("teacher", (), lambda p: config_inputs(p.teacher_config()), run_teacher),
    Step(
        name="augment",
        needs=(),
        inputs=lambda p: config_inputs(p.augment_config()),
        output=lambda workdir, k: WorkLayout(Path(workdir)).augmented(k),
        done=_augment_done,
        run=run_augment,
    ),
    Step(
        name="label",
        needs=("augment", "teacher"),
        inputs=lambda p: {k: v for k, v in config_inputs(p.label_config()).items() if k != "batch_size"},
        output=lambda workdir, k: WorkLayout(Path(workdir)).labelled(k),
        done=_label_done,
        run=run_label,
    ),
    _model_step(
        "student-spacy", ("label",), lambda p: config_inputs(p.spacy_student_config()), run_student_spacy
    ),
    _model_step(
        "student-soft", ("label",), lambda p: config_inputs(p.soft_student_config()), run_student_soft
    ),
    *(_evaluate_step(kind) for kind in ("baseline", "teacher", "student-spacy", "student-soft")),
)
STEPS: dict[str, Step] = {s.name: s for s in STEP_LIST}


def wanted_steps(plan: TrainPlan) -> list[str]:
    """The step names a plan runs, in chain order."""
    names = [k for k in ("baseline",) if plan.wants(k)]
    if plan.needs_teacher():
        names.append("teacher")
    if plan.students():
        names += ["augment", "label", *plan.students()]
    return names + [f"eval:{k}" for k in plan.kinds if k in names or k in plan.students()]


def closure(names: Iterable[str], stop: Iterable[str] = ()) -> list[str]:
    """`names` and every step they need, in chain order; the needs of a step in `stop` (an output
    given from elsewhere) are left out."""
    want: set[str] = set()
    stop = set(stop)
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in STEPS:
            raise ValueError(f"unknown step {name!r}; known: {', '.join(STEPS)}")
        if name not in want:
            want.add(name)
            if name not in stop:
                stack.extend(STEPS[name].needs)
    return [s.name for s in STEP_LIST if s.name in want]


def bind(
    plan: TrainPlan,
    data_dir: Path | str,
    workdir: Path | str,
    names: Iterable[str] | None = None,
    *,
    given: Mapping[str, Path | str] | None = None,
    outputs: Mapping[str, Path | str] | None = None,
) -> list[BoundStep]:
    """The steps with their keys and output directories (nothing runs).

    `names`: these steps and what they need (default: the plan's steps). `given`: a step's output
    supplied from elsewhere (`carner label --teacher DIR`); unless it is the chain's own output for
    this plan, it stands in for that step and its key is the identity of what was given, so the
    steps reading it get keys of their own. `outputs`: another directory for a step's output
    (`--out`); the key is unchanged.
    """
    data_dir, workdir = Path(data_dir), Path(workdir)
    given, outputs = dict(given or {}), dict(outputs or {})
    data_id, split_id = dataset_id(data_dir), test_id(data_dir)
    keys: dict[str, str] = {}
    outs: dict[str, str] = {}
    bound = []
    plan_json = plan.model_dump(mode="json")
    for name in wanted_steps(plan) if names is None else closure(names):
        step = STEPS[name]
        upstream = {n: keys[n] for n in step.needs}
        k = key(name, upstream, split_id if step.on_test_split else data_id, step.inputs(plan))
        out = outs[step.needs[0]] if step.output is None else str(step.output(workdir, k))
        if name in given and Path(given[name]).resolve() != Path(out).resolve():
            k, out = key("given", name, output_id(given[name])), str(given[name])
        elif name in outputs:
            out = str(outputs[name])
        keys[name], outs[name] = k, out
        bound.append(BoundStep(name, k, out, str(data_dir), {n: outs[n] for n in step.needs}, plan_json))
    return bound


def run_step(step: BoundStep | dict[str, Any], force: bool = False) -> dict[str, Any]:
    """Run one bound step unless its keyed output is already complete (or `force`).

    Plain data in, plain data out (a `StepOutcome` as a dict): what the runners call in this
    process, in a Prefect task or in a child process.
    """
    bound = step if isinstance(step, BoundStep) else BoundStep(**step)
    ctx = bound.context()
    if not force and STEPS[bound.name].done(ctx):
        log.info("step %s unchanged (%s), skipped", bound.name, bound.out)
        return asdict(StepOutcome(bound.name, bound.key, bound.out, True, 0.0))
    log.info("step %s: running -> %s", bound.name, bound.out)
    t0 = time.perf_counter()
    result = STEPS[bound.name].run(ctx)
    seconds = round(time.perf_counter() - t0, 2)
    log.info("step %s: %.1f s", bound.name, seconds)
    return asdict(StepOutcome(bound.name, bound.key, bound.out, False, seconds, result))


Executor = Callable[[BoundStep, bool], dict[str, Any]]

# The command that makes each step's output alone (named when a step run alone misses its input).
STEP_COMMANDS = {
    "baseline": "carner train baseline",
    "teacher": "carner train teacher",
    "augment": "carner augment",
    "label": "carner label",
    "student-spacy": "carner train student --kind spacy",
    "student-soft": "carner train student --kind soft",
}


class MissingInput(FileNotFoundError):
    """A step run alone needs another step's output, which is not there for this plan."""


def _check_input(step: BoundStep, given: Mapping[str, Path | str]) -> None:
    if step.name in given:
        if not Path(given[step.name]).exists():
            raise MissingInput(f"{given[step.name]}: no such {step.name} output")
        return
    if not step.done():
        raise MissingInput(
            f"{step.out}: the {step.name} step has not run for this plan and dataset "
            f"(run `{STEP_COMMANDS.get(step.name, 'carner train all')}` with the same settings first)"
        )


def run_chain(
    plan: TrainPlan,
    data_dir: Path | str,
    workdir: Path | str,
    *,
    db_url: str | None = None,
    execute: Executor = run_step,
    redo: frozenset[str] | set[str] | tuple[str, ...] = (),
    only: Iterable[str] | None = None,
    given: Mapping[str, Path | str] | None = None,
    outputs: Mapping[str, Path | str] | None = None,
) -> ChainResult:
    """Run the plan's steps in order through `execute(step, force)`, then record every model.

    `redo`: step names to run again although unchanged ("*": all). `db_url`: the registry to record
    the models in (and to promote them when `plan.promote`); None records nothing. `only`: run
    these steps alone (a single-step command); the steps they need must be done already (or
    `given`, see `bind`), and are not run. `outputs`: see `bind`.
    """
    data_dir, workdir = Path(data_dir), Path(workdir)
    if not (data_dir / "text_train.npy").is_file():
        raise FileNotFoundError(
            f"{data_dir}: no npy dataset (text_train.npy missing; build the dataset first)"
        )
    given = dict(given or {})
    targets = None if only is None else set(only)
    steps = bind(plan, data_dir, workdir, targets, given=given, outputs=outputs)
    unknown = set(redo) - {s.name for s in steps} - {"*"}
    if unknown:
        raise ValueError(f"redo: unknown steps {sorted(unknown)}; known: {', '.join(s.name for s in steps)}")
    required = set(closure(targets, stop=given)) if targets is not None else set()
    outcomes: dict[str, StepOutcome] = {}
    for step in steps:
        if targets is not None and step.name not in targets:
            if step.name in required:
                _check_input(step, given)
            continue
        outcome = execute(step, "*" in redo or step.name in redo)
        outcomes[step.name] = StepOutcome(**outcome)
    models = {
        s.name: s.out for s in steps if s.name in outcomes and STEPS[s.name].model_kind and plan.wants(s.name)
    }
    result = ChainResult(dataset_id(data_dir), test_id(data_dir), outcomes, models)
    if db_url is not None:
        from carner.training.registry import register_model

        for kind, path in models.items():
            run, decision = register_model(
                db_url, path, data_dir=data_dir, promote=plan.promote, speed_texts=plan.speed_texts
            )
            result.registered[kind] = run.id
            if decision is not None:
                result.promotions.append(decision)
    return result
