"""`carner serve`, `carner models`, `carner pipeline`, `carner retrain`: the Prefect side of the CLI."""

from __future__ import annotations

from pathlib import Path

import typer

from carner.cli.app import app, fail, json_line
from carner.cli.steps import DemoScaleOption, PlanFileOption, make_plan
from carner.common.settings import get_settings


@app.command()
def serve(
    workdir: Path | None = typer.Option(
        None, help="Work directory pinned into every deployment's parameters."
    ),
    scrape_cron: str | None = typer.Option(None, help="Cron for the scrape deployment (CARNER_SCRAPE_CRON)."),
    export_cron: str | None = typer.Option(None, help="Cron for export-for-annotation (CARNER_EXPORT_CRON)."),
    min_new_gold: int | None = typer.Option(
        None, min=1, help="New gold annotations that trigger a retrain (CARNER_RETRAIN_MIN_NEW_GOLD)."
    ),
    limit: int | None = typer.Option(None, min=1, help="Most flow runs executed at the same time."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the deployments and schedules, serve nothing."
    ),
    run_once: bool = typer.Option(
        False, "--run-once", help="Register the deployments, run what is due once, and exit (for checks)."
    ),
) -> None:
    """Serve carner's deployments (scheduled scrape and export, triggered retrain) until interrupted.

    Uses the Prefect API in PREFECT_API_URL (a `prefect server start` or Prefect Cloud); the retrain
    trigger needs that server's automations, so start one for real use.
    """
    settings = get_settings(
        workdir=workdir, scrape_cron=scrape_cron, export_cron=export_cron, retrain_min_new_gold=min_new_gold
    )
    try:
        from prefect.schedules import Cron

        for cron in (settings.scrape_cron, settings.export_cron):
            Cron(cron)
    except ValueError as exc:
        raise fail(f"invalid cron schedule: {exc}") from None
    from carner.flows.deployments import build_deployments, describe

    deployments = build_deployments(settings, workdir_param=workdir is not None)
    for row in describe(deployments):
        when = ", ".join(row["cron"]) or (
            f"on {', '.join(row['triggers'])}" if row["triggers"] else "on demand"
        )
        typer.echo(f"{row['name']:<24} {row['flow']:<28} {when}")
    if dry_run:
        return
    if run_once:
        import asyncio

        from prefect.runner import Runner

        runner = Runner(name="carner", pause_on_shutdown=False, limit=limit)
        for deployment in deployments:
            runner.add_deployment(deployment)
        asyncio.run(runner.start(run_once=True))
        typer.echo(f"registered {len(deployments)} deployments")
        return
    from prefect import serve as prefect_serve

    prefect_serve(*deployments, limit=limit)


@app.command()
def models(
    kind: str | None = typer.Option(
        None, help="Only this model kind (baseline, teacher, student-spacy, ...)."
    ),
    limit: int = typer.Option(20, min=1, help="Most runs listed (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line instead of a table."),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL (default CARNER_DB_URL or <workdir>/carner.db)."
    ),
    workdir: Path | None = typer.Option(None, help="Work directory (CARNER_WORKDIR)."),
) -> None:
    """List the model registry: every trained model whichever command trained it (kind, F1, size,
    speed, dataset and test split ids, champion flag)."""
    settings = get_settings(workdir=workdir, db_url=db)
    url = settings.database_url
    from carner.db.engine import sqlite_path

    db_file = sqlite_path(url)
    if db_file is not None and not db_file.exists():
        raise fail(f"no database at {db_file} (run a scrape or the demo first)")
    from carner.db import model_runs
    from carner.db.engine import open_session

    with open_session(url) as session:
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "champion": r.champion,
                "f1": r.f1,
                "size_bytes": r.size_bytes,
                "texts_per_s": r.texts_per_s,
                "dataset_id": r.dataset_id[:12],
                "test_id": (r.test_id or "")[:12],
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "path": r.path,
                "task": r.task,
                "data_set": r.data_home,
            }
            for r in model_runs.list_runs(session, kind=kind, limit=limit)
        ]
    if as_json:
        for row in rows:
            typer.echo(json_line(row))
        return
    if not rows:
        typer.echo("no model runs recorded yet")
        return
    from carner.cli.tables import console, models_table

    console().print(models_table(rows))


@app.command("pipeline")
def pipeline_command(
    query: list[str] = typer.Option(
        None, "--query", help="Search query (repeatable; default CARNER_SCRAPE_QUERIES)."
    ),
    max_pages: int = typer.Option(3, min=1, help="Result pages per query."),
    base_url: str | None = typer.Option(
        None, help="Site to crawl (CARNER_BASE_URL; a sandbox URL for tests)."
    ),
    workdir: Path | None = typer.Option(None, help="Work directory (CARNER_WORKDIR)."),
    db: str | None = typer.Option(None, help="SQLAlchemy URL (CARNER_DB_URL)."),
    annotate_limit: int | None = typer.Option(None, min=1, help="Most texts exported for annotation."),
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
) -> None:
    """Run the whole `pipeline` flow once against the configured Prefect API (or a temporary one)."""
    from carner.cli.exitcodes import for_crawl_status
    from carner.flows.pipeline import pipeline
    from carner.flows.tasks import CrawlFailed
    plan = make_plan(demo_scale, plan_file)
    try:
        result = pipeline(
            queries=query or None,
            max_pages=max_pages,
            base_url=base_url,
            annotate_limit=annotate_limit,
            plan=plan,
            workdir=str(workdir) if workdir else None,
            db_url=db,
        )
    except CrawlFailed as exc:  # the run is Failed in Prefect; the shell gets the crawl's exit code
        raise fail(str(exc), for_crawl_status(exc.status)) from None
    for name, secs in result["seconds"].items():
        typer.echo(f"{name:<28} {secs:>8.1f} s")
    report = (result.get("train") or {}).get("report") or {}
    if report.get("json"):
        from carner.cli.tables import print_report

        print_report(report["json"], files=[report["markdown"]])


@app.command()
def retrain(
    min_new_gold: int | None = typer.Option(None, min=1, help="Threshold (CARNER_RETRAIN_MIN_NEW_GOLD)."),
    force: bool = typer.Option(False, "--force", help="Retrain even without enough new gold."),
    workdir: Path | None = typer.Option(None, help="Work directory (CARNER_WORKDIR)."),
    db: str | None = typer.Option(None, help="SQLAlchemy URL (CARNER_DB_URL)."),
    demo_scale: DemoScaleOption = False,
    plan_file: PlanFileOption = None,
) -> None:
    """Run `retrain-on-new-annotations` once: dataset, models, evaluation, promotion if better."""
    from carner.flows.retrain import retrain_on_new_annotations

    plan = make_plan(demo_scale, plan_file)

    result = retrain_on_new_annotations(
        min_new_gold=min_new_gold,
        force=force,
        plan=plan,
        workdir=str(workdir) if workdir else None,
        db_url=db,
    )
    if not result["retrained"]:
        typer.echo(f"not retrained: {result['new_gold']} new gold < {result['threshold']} (use --force)")
        return
    for d in result["promotions"]:
        verdict = "promoted" if d["promoted"] else "kept champion"
        typer.echo(f"{d['kind']:<14} F1 {d['challenger_f1']}: {verdict} ({d['reason']})")
