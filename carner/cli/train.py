"""`carner dataset build`, `carner train baseline`, `carner evaluate`, `carner report`, `carner predict`.

Thin shells: parse options, resolve defaults from settings and the training plan, call the stage
function, print a summary. Trained models go where the training chain puts them
(`<workdir>/models/<kind>/<key>`) and are recorded in the model registry, so every command sees
them; `--model` / model arguments take a directory or a kind (its champion, else its newest run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from carner.cli.app import app, dataset_app, fail, train_app
from carner.cli.steps import (
    DATA_HELP,
    DemoScaleOption,
    NoEvalOption,
    NoSpeedOption,
    PickleOption,
    PlanFileOption,
    SpeedTextsOption,
    fmt,
    make_plan,
    plan_default,
    print_eval,
    print_model_eval,
    print_registered,
    run_alone,
)
from carner.common.settings import get_settings
from carner.training.dataset import DatasetConfig


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    """`section.key=value` pairs as spaCy's CLI takes them; values parsed as JSON when they parse."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or "." not in key:
            raise fail(f"--set {item!r}: expected section.key=value, e.g. training.max_epochs=3")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def _labels_option(labels: str | None) -> list[str] | None:
    if labels is None:
        return None
    out = [lab.strip() for lab in labels.split(",") if lab.strip()]
    if not out:
        raise fail("--labels: give at least one label, e.g. --labels MAKE,MODEL")
    return out


# ------------------------------------------------------------------------------------------- dataset


@dataset_app.command("build")
def dataset_build(
    out: Path | None = typer.Option(None, help="Output directory (default: CARNER_WORKDIR, i.e. data/)."),
    test_size: float | None = typer.Option(
        None, min=0.0, max=1.0, help=plan_default("test_size", "Share of texts in the test split (0-1)")
    ),
    seed: int | None = typer.Option(
        None, help=plan_default("seed", "Seed of the split (listings are shuffled with it)")
    ),
    source: str = typer.Option(
        DatasetConfig.source,
        metavar="[gold|distant|both]",
        help="Annotations to export: gold, distant or both (gold wins).",
    ),
    field: list[str] = typer.Option(
        ["title"], help="Listing fields to export (repeatable): title, description."
    ),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL (default CARNER_DB_URL or <workdir>/carner.db)."
    ),
    from_doccano: Path | None = typer.Option(
        None,
        "--from-doccano",
        help="Build from a doccano sequence-labelling export (JSONL or export zip) instead of the "
        "database: any texts, any labels, no carner listings needed.",
    ),
) -> None:
    """Export annotated texts: four npy files, train/test DocBins and dataset.json.

    From the database (default), or from any doccano export with --from-doccano FILE|ZIP.
    """
    if source not in ("gold", "distant", "both"):
        raise fail(f"--source {source!r}: expected gold, distant or both")
    if test_size is not None and not 0 < test_size < 1:
        raise fail(f"--test-size {test_size}: must be strictly between 0 and 1")
    plan = make_plan(test_size=test_size, seed=seed)
    test_size, seed = plan.test_size, plan.seed
    settings = get_settings(db_url=db)
    out_dir = out or settings.dataset_dir
    if from_doccano is not None:
        _print_dataset(_dataset_from_doccano(from_doccano, out_dir, test_size, seed))
        return
    url = settings.database_url
    from carner.db.engine import sqlite_path

    db_file = sqlite_path(url)
    if db_file is not None and not db_file.exists():
        raise fail(f"no database at {db_file} (scrape and annotate first, or pass --db)")
    from carner.training.chain import run_dataset
    from carner.training.npy_io import DatasetError

    try:
        manifest = run_dataset(plan, url, out_dir, source=source, fields=tuple(field))
    except DatasetError as exc:
        raise fail(str(exc)) from None
    _print_dataset(manifest)


def _dataset_from_doccano(path: Path, out_dir: Path, test_size: float, seed: int) -> Any:
    from carner.annotation.doccano import ImportValidationError
    from carner.training.doccano_dataset import build_dataset_from_doccano
    from carner.training.npy_io import DatasetError

    try:
        return build_dataset_from_doccano(path, out_dir, test_size=test_size, seed=seed)
    except ImportValidationError as exc:
        from carner.cli.app import bad_lines

        raise bad_lines(exc, str(path), "nothing written") from None
    except (DatasetError, FileNotFoundError, ValueError, OSError) as exc:
        raise fail(str(exc)) from None


def _print_dataset(manifest: Any) -> None:
    for split in ("train", "test"):
        c = manifest.counts[split]
        labels = ", ".join(f"{k} {v}" for k, v in c["labels"].items())
        typer.echo(f"{split}: {c['texts']} texts, {c['spans']} spans ({labels})")
        a = manifest.alignment[split]
        if a["misaligned"] or a["dropped"]:
            typer.echo(
                f"{split}: {a['misaligned']} of {a['spans']} spans off spaCy token boundaries "
                f"({a['snapped']} snapped, {a['dropped']} dropped in {split}.spacy; npy files unchanged)"
            )
    typer.echo(f"{manifest.duplicates_dropped} duplicate texts dropped; dataset id {manifest.dataset_id}")
    names = ", ".join(Path(p).name for p in manifest.files.values())
    typer.echo(f"wrote {manifest.out_dir}/ (dataset.json, {names})")


# ------------------------------------------------------------------------------------------- baseline


@train_app.command("baseline")
def train_baseline_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(
        None, help="Model directory (default: <workdir>/models/baseline/<key>, the chain's layout)."
    ),
    epochs: int | None = typer.Option(
        None, min=1, help=plan_default("baseline_epochs", "Epochs; with --config and no --epochs: its own")
    ),
    seed: int | None = typer.Option(
        None, help=plan_default("seed", "Random seed (spaCy's system and training seed, dev split)")
    ),
    config: Path | None = typer.Option(
        None, help="spaCy config file (default: training/configs/baseline.cfg)."
    ),
    set_: list[str] = typer.Option(
        [], "--set", help="Config override section.key=value, repeatable (e.g. training.dropout=0.2)."
    ),
    labels: str | None = typer.Option(
        None,
        help="Comma-separated label set; spans with another label are an error (default: from the data).",
    ),
    speed_texts: SpeedTextsOption = None,
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
    allow_pickle: PickleOption = False,
    no_eval: NoEvalOption = False,
    no_speed: NoSpeedOption = False,
) -> None:
    """Train the spaCy NER baseline on a dataset directory and evaluate it on its test split.

    Runs the chain's baseline step (and its evaluation) alone: the model lands where `carner train
    all` with the same settings puts it, and is recorded in the registry.
    """
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    overrides = _parse_overrides(set_)
    plan = make_plan(
        demo_scale,
        plan_file,
        seed=seed,
        speed_texts=speed_texts,
        baseline_cfg=str(config) if config else None,
        baseline_overrides=overrides or None,
        baseline_labels=_labels_option(labels),
        allow_pickle=allow_pickle or None,
        measure_speed=False if no_speed else None,
    )
    if config is not None or epochs is not None:  # a config of one's own keeps its epochs unless given
        plan = plan.model_copy(update={"baseline_epochs": epochs})
    steps = ["baseline"] if no_eval else ["baseline", "eval:baseline"]
    result = run_alone(plan, steps, data_dir, outputs={"baseline": out} if out else None)
    r = result.steps["baseline"].result
    if r:
        typer.echo(
            f"baseline: {r['train_texts']} train / {r['dev_texts']} dev texts, {r['steps']} steps, "
            f"{r['seconds']:.1f} s, best dev F1 {fmt(r['best_dev_f1'])}"
        )
    print_model_eval(result, "baseline")
    typer.echo(f"wrote {result.steps['baseline'].out}")
    print_registered(result)


# ------------------------------------------------------------------------------------------- evaluate


@app.command("evaluate")
def evaluate_cmd(
    models: list[str] = typer.Argument(
        None,
        help="Model directories or kinds (default: every registered model trained on the data set, "
        "still on disk).",
    ),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    speed_texts: SpeedTextsOption = None,
    no_speed: NoSpeedOption = False,
    snap: bool = typer.Option(
        True, "--snap/--no-snap", help="Score spans snapped to the car catalogue (as `predict` gives them)."
    ),
    allow_pickle: PickleOption = False,
) -> None:
    """Evaluate models on the dataset's test split; updates each metrics.json and the registry."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    from carner.training.evaluate import evaluate_on_dataset
    from carner.training.npy_io import DatasetError, load_npy_dataset
    from carner.training.registry import current_model_dirs, register_model, registry_exists

    try:
        ds = load_npy_dataset(data_dir, allow_pickle=allow_pickle)
    except DatasetError as exc:
        raise fail(str(exc)) from None
    if not ds.test_texts:
        raise fail(f"{data_dir}: the test split is empty")
    model_dirs = [_resolve(settings.database_url, m) for m in models or []]
    model_dirs = model_dirs or current_model_dirs(settings.database_url, data_dir)  # that data set's
    if not model_dirs:
        raise fail("no models to evaluate: pass model directories or kinds, or train one first")
    for model_dir in model_dirs:
        try:
            metrics = evaluate_on_dataset(
                model_dir,
                data_dir,
                allow_pickle=allow_pickle,
                speed=not no_speed,
                speed_texts=make_plan(speed_texts=speed_texts).speed_texts,
                snap=snap,
            )
            if registry_exists(settings.database_url):  # new figures for a registered model
                register_model(settings.database_url, model_dir, data_dir=data_dir)
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise fail(str(exc) if str(model_dir) in str(exc) else f"{model_dir}: {exc}") from None
        print_eval(str(model_dir), metrics if not no_speed else {**metrics, "speed": {}})


def _resolve(db_url: str, ref: str) -> Path:
    """A model argument (directory or kind) as a model directory, or a one-line error."""
    from carner.training.registry import resolve_model

    try:
        return resolve_model(db_url, ref, get_settings().dataset_dir)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None


# ------------------------------------------------------------------------------------------- report


@app.command("report")
def report_cmd(
    models: list[str] = typer.Option(
        [], "--models", help="Model directories or kinds, repeatable (default: every registered model)."
    ),
    out: Path | None = typer.Option(None, help="Report directory (default: <workdir>/reports)."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Skip the PNG plot."),
) -> None:
    """Write report.md, report.json and report.png comparing the evaluated models."""
    settings = get_settings()
    from carner.training.registry import current_model_dirs
    from carner.training.report import find_model_dirs, write_report

    model_dirs = [_resolve(settings.database_url, m) for m in models]
    model_dirs = (
        model_dirs or current_model_dirs(settings.database_url) or find_model_dirs(settings.models_dir)
    )
    if not model_dirs:
        raise fail(f"no models found under {settings.models_dir} (train one, or pass --models DIR)")
    try:
        result = write_report(model_dirs, out or settings.reports_dir, plot=not no_plot)
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    from carner.cli.tables import print_report

    print_report(result.json, files=[p for p in (result.markdown, result.json, result.plot) if p])


# ------------------------------------------------------------------------------------------- predict


def _utf8_arguments(texts: list[str]) -> list[str]:
    """The texts given as arguments; bytes that are not UTF-8 arrive as lone surrogates: refused."""
    for number, text in enumerate(texts, start=1):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise fail(f"argument {number}: not UTF-8 text (byte {exc.start} of the argument)") from None
    return texts


def _utf8_stdin_lines() -> list[str]:
    """Non-empty stdin lines, decoded as UTF-8 line by line so a bad line is named, not a traceback."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text-only stdin (tests, some shells): already decoded
        return [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    lines = []
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise fail(f"stdin:{number}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
        if line.strip():
            lines.append(line)
    return lines


@app.command("predict")
def predict_cmd(
    model: str = typer.Option(
        ...,
        help="Model directory, or a kind (baseline, teacher, student-spacy, student-soft): its champion.",
    ),
    texts: list[str] = typer.Argument(None, help="Texts to tag (default: one per line on stdin)."),
    as_json: bool = typer.Option(False, "--json", help='One JSON line per text: {"text", "spans"}.'),
    records: bool = typer.Option(
        False,
        "--records",
        help="One JSON line per text: the car as eBay's item specifics (canonical Make, Model with vPIC ids, "
        "Year, Trim, ...), a confidence and whether vPIC knows the car.",
    ),
    decode: str | None = typer.Option(
        None,
        metavar="[viterbi|argmax]",
        help="Teacher / soft student: BIO-constrained Viterbi (the saved default) or each word alone "
        "(argmax: what transformers' pipeline with aggregation_strategy=first gives, with --no-snap).",
    ),
    snap: bool = typer.Option(
        True,
        "--snap/--no-snap",
        help="Read MODEL, TRIM and BODY boundaries from the car catalogue (models of carner's labels); "
        "--no-snap prints the model's own spans.",
    ),
    data: Path | None = typer.Option(
        None,
        help="With a kind: follow the champion of models trained on this data set (default: the "
        "workdir's own data set).",
    ),
) -> None:
    """Tag texts with a trained model and print the entities."""
    from carner.training.models import MODEL_LOADERS, load_model
    from carner.training.registry import resolve_model

    texts = _utf8_arguments(texts) if texts else _utf8_stdin_lines()
    if not texts:
        raise fail("no texts: pass them as arguments or one per line on stdin")
    settings = get_settings()
    try:
        model_dir = resolve_model(settings.database_url, model, data or settings.dataset_dir)
        if model in MODEL_LOADERS and not as_json:  # name what the kind resolved to: the task it follows
            home = Path(data or settings.dataset_dir).resolve()
            typer.echo(f"{model}: {model_dir} (models trained on {home})", err=True)
        ner = load_model(model_dir, decode=decode, snap=snap)
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    predicted = ner.predict(list(texts))
    if records:
        from carner.annotation.link import link_many

        for text, record in zip(texts, link_many(texts, predicted), strict=True):
            typer.echo(json.dumps({"text": text, "record": record.as_dict()}, ensure_ascii=False))
        return
    for text, spans in zip(texts, predicted, strict=True):
        if as_json:
            typer.echo(
                json.dumps({"text": text, "spans": [[s, e, lab] for s, e, lab in spans]}, ensure_ascii=False)
            )
        else:
            ents = "  ".join(f"[{text[s:e]}]{lab}" for s, e, lab in spans) or "(no entities)"
            typer.echo(f"{text}\n  {ents}")
