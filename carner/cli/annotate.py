"""`carner annotate check|preannotate|export|import|push|pull`: the doccano annotation loop.

Thin shells over `annotation.*`: resolve defaults from settings (the only place env vars are read,
doccano credentials included), open the database, call the stage, print a short summary.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from carner.cli.app import annotate_app, bad_lines, cell, fail, terminal_safe
from carner.cli.exitcodes import ExitCode
from carner.common.settings import Settings, get_settings

DB_HELP = "SQLAlchemy database URL (default: CARNER_DB_URL, else sqlite:///<workdir>/carner.db)."
WORKDIR_HELP = "Working directory for outputs (default: CARNER_WORKDIR, i.e. data/)."
FIELDS_HELP = "Comma-separated listing fields to annotate: title, description."
URL_HELP = "doccano base URL, e.g. http://127.0.0.1:8000 (default: CARNER_DOCCANO_URL)."
PROJECT_HELP = "doccano project name (default: CARNER_DOCCANO_PROJECT, i.e. carner)."

# Options several commands share, declared once.
DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
WorkdirOpt = Annotated[Path | None, typer.Option(help=WORKDIR_HELP)]
FieldsOpt = Annotated[str, typer.Option(help=FIELDS_HELP)]
StrategyOpt = Annotated[
    str,
    typer.Option(
        metavar="[random|uncertainty|disagreement|balanced|committee]",
        help="How to choose texts: random, uncertainty, disagreement (model vs pre-annotation), "
        "balanced (rare labels first, diverse batch), or committee (--model vs each --committee "
        "model); all but random need --model.",
    ),
]
CommitteeOpt = Annotated[
    list[Path] | None,
    typer.Option(
        metavar="DIR|KIND",
        help="Another model (directory or kind) voting with --model under --strategy committee; "
        "repeat for more members.",
    ),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option(
        help="Model directory, or a kind under <workdir>/models (baseline, teacher, ...): ranks texts "
        "(uncertainty, disagreement) and pre-fills them with --prefill model."
    ),
]
PrefillOpt = Annotated[
    str,
    typer.Option(
        metavar="[gold|distant|model]",
        help="Spans pre-filled in the export: gold (gold where present, else distant), distant, or "
        "model (the --model's predictions, its confidence in each line's model_confidence).",
    ),
]
SeedOpt = Annotated[int, typer.Option(help="Seed of the random choice and tie-breaks.")]


def _settings(db: str | None, workdir: Path | None) -> Settings:
    return get_settings(db_url=db, workdir=workdir)


@contextlib.contextmanager
def _session(settings: Settings) -> Iterator[Any]:
    """`db.engine.open_session` on an up-to-date schema; an unreachable database is one line."""

    from carner.db.engine import open_session, upgrade

    try:
        upgrade(settings.database_url)
    except Exception as exc:  # unreachable server, bad URL: one line, not a traceback
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise fail(f"cannot open database {settings.database_url}: {reason}") from None
    with open_session(settings.database_url, migrate=False) as session:
        yield session


def _fields(fields: str) -> tuple[str, ...]:
    from carner.annotation.store import FIELDS

    out = tuple(f.strip() for f in fields.split(",") if f.strip())
    bad = [f for f in out if f not in FIELDS]
    if not out or bad:
        raise fail(f"--fields must be a comma-separated subset of {', '.join(FIELDS)}, got {fields!r}")
    return out


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_report(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{report.name}: {report.texts} texts", title_justify="left")
    if report.scores:
        for col in ("label", "precision", "recall", "gold spans", "tp", "fp", "fn"):
            table.add_column(col, justify="left" if col == "label" else "right")
        for label, s in report.scores.items():
            table.add_row(
                cell(label),
                _fmt(s.precision),
                _fmt(s.recall),
                str(s.support),
                str(s.tp),
                str(s.fp),
                str(s.fn),
            )
    else:
        for col in ("label", "found", "given", "found rate"):
            table.add_column(col, justify="left" if col == "label" else "right")
        for label, (found, given) in report.found.items():
            table.add_row(cell(label), str(found), str(given), _fmt(found / given if given else None))
    console = Console()
    console.print(table)
    if report.note:
        console.print(f"  ({report.note})")


@annotate_app.command("check")
def check(
    n: int = typer.Option(500, min=1, help="Number of sandbox listings to score pre-annotation on."),
    seed: int = typer.Option(0, help="Seed of the sandbox generator."),
    shared: Path = typer.Option(
        Path("..") / "shared",
        help="Directory holding data/car-titles/*.csv (real titles); skipped if absent.",
    ),
    kleinanzeigen_limit: int | None = typer.Option(
        None, min=1, help="Read at most this many Kleinanzeigen rows (default: all)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON instead of tables."),
    json_out: Path | None = typer.Option(
        None, "--json-out", help="Also write the reports to this JSON file."
    ),
) -> None:
    """Print pre-annotation precision/recall per label against sandbox gold and on real titles."""
    from carner.annotation.check import check_real, check_sandbox

    reports = [check_sandbox(n, seed)]
    if shared.is_dir():
        reports += check_real(shared, kleinanzeigen_limit)
    elif not as_json:
        typer.echo(f"(real titles skipped: {shared} not found)")
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        for report in reports:
            _print_report(report)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps([r.as_dict() for r in reports], indent=2), encoding="utf-8")
        typer.echo(f"Wrote {json_out}", err=as_json)  # stdout stays pure JSON with --json


@annotate_app.command("preannotate")
def preannotate(
    fields: FieldsOpt = "title",
    db: DbOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Create annotation tasks for new/changed listings and store distant spans from item specifics."""
    from carner.annotation.store import ensure_tasks, store_distant

    chosen = _fields(fields)
    with _session(_settings(db, workdir)) as session:
        tasks = ensure_tasks(session, fields=chosen)
        distant = store_distant(session, fields=chosen)
        session.commit()
    typer.echo(
        f"Tasks: {tasks.created} new, {tasks.changed} changed, {tasks.unchanged} unchanged "
        f"({tasks.skipped_empty} empty texts skipped). "
        f"Distant spans: {distant.spans} in {distant.tasks} texts "
        f"({', '.join(f'{k} {v}' for k, v in sorted(distant.outcomes.items())) or 'none'})."
    )


def _model_dir(model: Path | None, settings: Settings) -> Path | None:
    """`--model` as given, or `<workdir>/models/<kind>` when it names a model kind and no such path exists."""
    if model is None or model.exists():
        return model
    from carner.training.models import MODEL_LOADERS

    if str(model) in MODEL_LOADERS:
        return settings.models_dir / str(model)
    return model


def _load_model(model: Path | None) -> Any:
    """The model for uncertainty / disagreement sampling (here: annotation must not import training)."""
    if model is None:
        return None
    from carner.training.models import load_model
    from carner.training.registry import resolve_model

    try:  # a directory, a kind or a kind's home: the registry names it (`training.registry`)
        return load_model(resolve_model(get_settings().database_url, model))
    except (FileNotFoundError, ValueError, ImportError) as exc:
        raise fail(f"--model {model}: {exc}") from None


def _ranking_model(
    strategy: str, model: Path | None, committee: list[Path] | None, settings: Settings
) -> Any:
    """`--model` loaded; under `--strategy committee`, a `Committee` of it and every `--committee`."""
    from carner.annotation.select import Committee

    loaded = _load_model(_model_dir(model, settings))
    others = [_load_model(_model_dir(m, settings)) for m in committee or []]
    if strategy != "committee":
        if others:
            raise fail("--committee is for --strategy committee")
        return loaded
    if loaded is None or not others:
        raise fail("--strategy committee needs --model and at least one --committee model")
    return Committee([loaded, *others])


def _strategy(strategy: str) -> str:
    from carner.annotation.select import STRATEGIES

    if strategy not in STRATEGIES:
        raise fail(f"--strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    return strategy


@annotate_app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="JSONL file to write (doccano sequence-labelling format)."),
    limit: int | None = typer.Option(None, "--limit", min=0, help="Most texts to export (default: all)."),
    strategy: StrategyOpt = "random",
    include_annotated: bool = typer.Option(
        False, help="Also export texts that already have gold annotations."
    ),
    model: ModelOpt = None,
    committee: CommitteeOpt = None,
    prefill: PrefillOpt = "gold",
    seed: SeedOpt = 0,
    fields: FieldsOpt = "title",
    db: DbOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Write the next texts to annotate as doccano JSONL, pre-filled with gold, distant or model spans."""
    from rich.progress import Progress

    from carner.annotation.doccano import PREFILLS, ExportConfig, export_jsonl
    from carner.common.files import OutputError, check_output

    try:
        check_output(out)  # before any work: a symlink, FIFO, device or folder is refused (no exit 0)
    except OutputError as exc:
        raise fail(f"--out {exc}") from None
    if prefill not in PREFILLS:
        raise fail(f"--prefill must be one of {', '.join(PREFILLS)}, got {prefill!r}")
    cfg = ExportConfig(limit, _strategy(strategy), include_annotated, seed, _fields(fields), prefill)
    settings = _settings(db, workdir)
    if prefill == "model" and model is None:
        raise fail("--prefill model needs --model DIR|KIND")
    loaded = _ranking_model(cfg.strategy, model, committee, settings)
    with _session(settings) as session, Progress(transient=True, disable=loaded is None) as bar:
        scoring = bar.add_task("Scoring texts by model confidence", total=None)
        result = export_jsonl(session, out, cfg, model=loaded, progress=lambda n: bar.advance(scoring, n))
    if result.fallback_reason:
        typer.echo(f"Note: {result.fallback_reason}")
    prefilled = (
        f"{result.prefilled_model} with model spans ({loaded.kind})"
        if prefill == "model"
        else f"{result.prefilled_distant} pre-annotated, {result.prefilled_gold} with gold"
    )
    typer.echo(f"Exported {result.count} texts to {result.file} (strategy {result.strategy}; {prefilled}).")


def _print_import(result: Any) -> None:
    typer.echo(
        f"Imported {result.records} lines: {result.added} new, {result.replaced} replaced (history kept), "
        f"{result.unchanged} unchanged, {result.older} older than the stored version (not applied), "
        f"{result.conflicts} annotator conflicts."
    )
    if result.new_labels:
        typer.echo(f"New labels accepted: {terminal_safe(', '.join(result.new_labels))}")


def _announce(counts: Any) -> None:
    """Emit `carner.annotations.imported` (what the retrain trigger listens for) when Prefect is set up."""
    from carner.flows.events import emit_annotations_imported, prefect_api_configured

    if not prefect_api_configured():
        typer.echo("No Prefect API configured (PREFECT_API_URL): no retrain event emitted.")
        return
    emit_annotations_imported(counts)
    typer.echo(
        f"Event carner.annotations.imported: {counts.gold_since_last_training} gold since the last "
        f"training (retrain at {counts.min_new_gold}): retrain {'due' if counts.retrain_due else 'not due'}."
    )


@annotate_app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="doccano JSONL export (or doccano's export zip) to import as gold."
    ),
    add_labels: bool = typer.Option(False, help="Accept labels that are not in the label schema."),
    exported_at: str | None = typer.Option(
        None,
        "--exported-at",
        help="When this export was made (ISO time, e.g. 2026-12-01T10:00Z): orders a plain JSONL against "
        "earlier imports (a doccano zip carries its own time). Never the file's mtime.",
    ),
    db: DbOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Validate every line, then store the annotations as gold in one transaction (all or nothing)."""
    from datetime import UTC, datetime

    from carner.annotation.doccano import ImportValidationError, import_jsonl
    from carner.flows.events import import_counts

    if not file.is_file():
        raise fail(f"{file}: no such file")
    when = None
    if exported_at is not None:
        try:
            when = datetime.fromisoformat(exported_at.replace("Z", "+00:00"))
        except ValueError:
            raise fail(f"--exported-at {exported_at!r}: expected an ISO time like 2026-12-01T10:00") from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    settings = _settings(db, workdir)
    with _session(settings) as session:
        try:
            result = import_jsonl(session, file, add_labels=add_labels, exported_at=when)
        except ImportValidationError as exc:
            raise bad_lines(exc, str(file)) from None
        counts = import_counts(session, str(file), result, settings.retrain_min_new_gold)
    _print_import(result)
    _announce(counts)


def _client(settings: Settings, url: str | None) -> Any:
    from carner.annotation.sync import DoccanoClient, DoccanoError

    base = url or settings.doccano_url
    if not base:
        raise fail("no doccano URL: pass --doccano-url or set CARNER_DOCCANO_URL")
    if not settings.doccano_user or settings.doccano_password is None:
        raise fail("doccano credentials missing: set CARNER_DOCCANO_USER and CARNER_DOCCANO_PASSWORD")
    try:
        return DoccanoClient(base, settings.doccano_user, settings.doccano_password.get_secret_value())
    except DoccanoError as exc:
        raise fail(str(exc)) from None


@annotate_app.command("push")
def push(
    doccano_url: str | None = typer.Option(None, "--doccano-url", help=URL_HELP),
    project: str | None = typer.Option(None, "--project", help=PROJECT_HELP),
    limit: int | None = typer.Option(None, "--limit", min=0, help="Most new texts to upload (default: all)."),
    strategy: StrategyOpt = "random",
    include_annotated: bool = typer.Option(
        False, help="Also upload texts that already have gold annotations."
    ),
    model: ModelOpt = None,
    committee: CommitteeOpt = None,
    seed: SeedOpt = 0,
    fields: FieldsOpt = "title",
    db: DbOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Upload pre-annotated texts to a doccano project (created with its labels if missing)."""
    from carner.annotation.doccano import ExportConfig
    from carner.annotation.sync import DoccanoError, DoccanoUnreachable
    from carner.annotation.sync import push as push_stage

    settings = _settings(db, workdir)
    client = _client(settings, doccano_url)
    cfg = ExportConfig(limit, _strategy(strategy), include_annotated, seed, _fields(fields))
    loaded = _ranking_model(cfg.strategy, model, committee, settings)
    with _session(settings) as session:
        try:
            result = push_stage(session, client, project or settings.doccano_project, cfg, model=loaded)
        except DoccanoUnreachable as exc:
            raise fail(str(exc), ExitCode.UNREACHABLE) from None
        except DoccanoError as exc:
            raise fail(str(exc)) from None
    if result.fallback_reason:
        typer.echo(f"Note: {result.fallback_reason}")
    typer.echo(
        f"Pushed {result.pushed} texts to doccano project #{result.project_id}"
        f"{' (created)' if result.project_created else ''}; {result.already_there} were already there."
    )


@annotate_app.command("pull")
def pull(
    doccano_url: str | None = typer.Option(None, "--doccano-url", help=URL_HELP),
    project: str | None = typer.Option(None, "--project", help=PROJECT_HELP),
    include_unconfirmed: bool = typer.Option(
        False, help="Also import examples nobody confirmed (they may still hold the pre-annotation)."
    ),
    add_labels: bool = typer.Option(False, help="Accept labels that are not in the label schema."),
    db: DbOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Download confirmed annotations from doccano (every annotator's file) and import them as gold."""
    from carner.annotation.doccano import ImportValidationError
    from carner.annotation.sync import DoccanoError, DoccanoUnreachable
    from carner.annotation.sync import pull as pull_stage
    from carner.flows.events import import_counts

    settings = _settings(db, workdir)
    client = _client(settings, doccano_url)
    with _session(settings) as session:
        try:
            result = pull_stage(
                session,
                client,
                project or settings.doccano_project,
                approved_only=not include_unconfirmed,
                add_labels=add_labels,
                save_dir=settings.annotation_dir / "pulls",
            )
        except DoccanoUnreachable as exc:
            raise fail(str(exc), ExitCode.UNREACHABLE) from None
        except DoccanoError as exc:
            raise fail(str(exc)) from None
        except ImportValidationError as exc:
            raise bad_lines(exc, "the doccano export") from None
        counts = import_counts(session, str(result.archive), result.imported, settings.retrain_min_new_gold)
    typer.echo(f"Downloaded {result.archive} ({len(result.members)} annotator file(s)).")
    _print_import(result.imported)
    _announce(counts)
