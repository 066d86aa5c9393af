"""`carner dataset build`, `carner train baseline`, `carner evaluate`, `carner report`, `carner predict`.

Thin shells: parse options, resolve defaults from settings, call the stage function, print a summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from flows.cli.app import app, dataset_app, fail, train_app
from flows.settings import get_settings

DATA_HELP = "Dataset directory with the four npy files (default: CARNER_WORKDIR, i.e. data/)."
PICKLE_HELP = "Accept pickled object arrays in the npy files (runs code from the file: trusted files only)."


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
    test_size: float = typer.Option(0.5, min=0.0, max=1.0, help="Share of texts in the test split (0-1)."),
    seed: int = typer.Option(0, help="Seed of the split (listings are shuffled with it)."),
    source: str = typer.Option("gold", help="Annotations to export: gold, distant or both (gold wins)."),
    field: list[str] = typer.Option(
        ["title"], help="Listing fields to export (repeatable): title, description."
    ),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL (default CARNER_DB_URL or <workdir>/carner.db)."
    ),
) -> None:
    """Export annotated texts from the database: four npy files, train/test DocBins and dataset.json."""
    if source not in ("gold", "distant", "both"):
        raise fail(f"--source {source!r}: expected gold, distant or both")
    if not 0 < test_size < 1:
        raise fail(f"--test-size {test_size}: must be strictly between 0 and 1")
    settings = get_settings(db_url=db)
    out_dir = out or settings.dataset_dir
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise fail(
            f"no database at {url.removeprefix('sqlite:///')} (scrape and annotate first, or pass --db)"
        )
    from db.engine import make_engine, session_factory
    from training.dataset import DatasetConfig, build_dataset_from_db
    from training.npy_io import DatasetError

    cfg = DatasetConfig(test_size=test_size, seed=seed, source=source, fields=tuple(field))
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            manifest = build_dataset_from_db(session, out_dir, cfg)
    except DatasetError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    _print_dataset(manifest)


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
    typer.echo(
        f"{manifest.duplicates_dropped} duplicate texts dropped; content hash {manifest.content_hash[:12]}"
    )
    names = ", ".join(Path(p).name for p in manifest.files.values())
    typer.echo(f"wrote {manifest.out_dir}/ (dataset.json, {names})")


# ------------------------------------------------------------------------------------------- baseline


@train_app.command("baseline")
def train_baseline_cmd(
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path | None = typer.Option(None, help="Model directory (default: <workdir>/models/baseline)."),
    epochs: int | None = typer.Option(
        None, min=1, help="Training epochs (config default: 15, as the research)."
    ),
    seed: int = typer.Option(0, help="Random seed (spaCy's system and training seed, dev split)."),
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
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the evaluation on the test split."),
) -> None:
    """Train the spaCy NER baseline on a dataset directory and evaluate it on its test split."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    out_dir = out or settings.models_dir / "baseline"
    from training.baseline import BASELINE_CONFIG, SpacyTrainConfig, train_baseline
    from training.npy_io import DatasetError

    cfg = SpacyTrainConfig(
        config_path=config or BASELINE_CONFIG,
        overrides=_parse_overrides(set_),
        seed=seed,
        epochs=epochs,
        labels=_labels_option(labels),
        allow_pickle=allow_pickle,
    )
    try:
        result = train_baseline(data_dir, out_dir, cfg, evaluate=not no_eval)
    except (DatasetError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"baseline: {result.train_texts} train / {result.dev_texts} dev texts, {result.steps} steps, "
        f"{result.seconds:.1f} s, best dev F1 {_fmt(result.best_dev_f1)}"
    )
    if not no_eval and "f1" in result.metrics:
        _print_eval(result.out_dir, result.metrics)
    typer.echo(f"wrote {result.out_dir}")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _print_eval(name: str, m: dict[str, Any]) -> None:
    speed = m.get("speed") or {}
    typer.echo(
        f"{name}: micro P/R/F1 {_fmt(m['precision'])}/{_fmt(m['recall'])}/{_fmt(m['f1'])}, "
        f"macro F1 {_fmt(m['macro']['f1'])}, {m['size_bytes'] / 1e6:.1f} MB, "
        f"{speed.get('texts_per_s_batch1', 0):.0f} texts/s (batch 1), "
        f"{speed.get('texts_per_s_batch64', 0):.0f} texts/s (batch 64)"
    )
    for label, s in m["per_label"].items():
        typer.echo(
            f"  {label:<14} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  n={s['support']}"
        )


# ------------------------------------------------------------------------------------------- evaluate


@app.command("evaluate")
def evaluate_cmd(
    model_dirs: list[Path] = typer.Argument(..., help="Model directories (each with a metrics.json)."),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    speed_texts: int = typer.Option(1000, min=1, help="Texts timed at batch 1 for throughput and latency."),
    no_speed: bool = typer.Option(False, "--no-speed", help="Skip the speed measurement."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help=PICKLE_HELP),
) -> None:
    """Evaluate models on the dataset's test split and update each model's metrics.json."""
    settings = get_settings()
    data_dir = data or settings.dataset_dir
    from training.dataset import read_manifest
    from training.evaluate import evaluate_dir
    from training.npy_io import DatasetError, load_npy_dataset

    try:
        ds = load_npy_dataset(data_dir, allow_pickle=allow_pickle)
    except DatasetError as exc:
        raise fail(str(exc)) from None
    if not ds.test_texts:
        raise fail(f"{data_dir}: the test split is empty")
    manifest = read_manifest(data_dir) or {}
    eval_data = {"dir": str(data_dir), "split": "test", "content_hash": manifest.get("content_hash")}
    for model_dir in model_dirs:
        try:
            metrics = evaluate_dir(
                model_dir,
                ds.test_texts,
                ds.test_spans,
                labels=ds.labels,
                eval_data=eval_data,
                speed=not no_speed,
                speed_texts=speed_texts,
            )
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise fail(str(exc) if str(model_dir) in str(exc) else f"{model_dir}: {exc}") from None
        _print_eval(str(model_dir), metrics if not no_speed else {**metrics, "speed": {}})


# ------------------------------------------------------------------------------------------- report


@app.command("report")
def report_cmd(
    models: list[Path] = typer.Option(
        [], "--models", help="Model directories, repeatable (default: every model under <workdir>/models)."
    ),
    out: Path | None = typer.Option(None, help="Report directory (default: <workdir>/reports)."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Skip the PNG plot."),
) -> None:
    """Write report.md, report.json and report.png comparing the evaluated models."""
    settings = get_settings()
    from training.report import find_model_dirs, write_report

    model_dirs = list(models) or find_model_dirs(settings.models_dir)
    if not model_dirs:
        raise fail(f"no models found under {settings.models_dir} (train one, or pass --models DIR)")
    try:
        result = write_report(model_dirs, out or settings.reports_dir, plot=not no_plot)
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(Path(result.markdown).read_text(encoding="utf-8"))
    written = [p for p in (result.markdown, result.json, result.plot) if p]
    typer.echo(f"wrote {', '.join(written)}")


# ------------------------------------------------------------------------------------------- predict


@app.command("predict")
def predict_cmd(
    model: Path = typer.Option(..., help="Model directory of any kind (baseline, teacher, students)."),
    texts: list[str] = typer.Argument(None, help="Texts to tag (default: one per line on stdin)."),
    as_json: bool = typer.Option(False, "--json", help='One JSON line per text: {"text", "spans"}.'),
) -> None:
    """Tag texts with a trained model and print the entities."""
    from training.models import load_model

    if not texts:
        texts = [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    if not texts:
        raise fail("no texts: pass them as arguments or one per line on stdin")
    try:
        ner = load_model(model)
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    for text, spans in zip(texts, ner.predict(list(texts)), strict=True):
        if as_json:
            typer.echo(
                json.dumps({"text": text, "spans": [[s, e, lab] for s, e, lab in spans]}, ensure_ascii=False)
            )
        else:
            ents = "  ".join(f"[{text[s:e]}]{lab}" for s, e, lab in spans) or "(no entities)"
            typer.echo(f"{text}\n  {ents}")
