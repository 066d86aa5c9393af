"""`carner demo`: the `pipeline` flow end to end on an in-process sandbox site, with a temporary Prefect.

Nothing leaves 127.0.0.1: the sandbox serves eBay-like pages on a free local port, Prefect runs its
temporary server (SQLite under `<workdir>/.prefect`), and the BERT teacher loads from the installed
package with the Hugging Face hub switched off. Demo scale (`training.plan.DEMO_PLAN`) keeps the whole
run within minutes on a 2-core CPU; a second run reuses the cached teacher, augmentation and labels.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

import typer

from carner.cli.app import app, fail
from carner.common.offline import offline_env
from carner.db.engine import sqlite_url
from carner.training.plan import DEMO_PLAN, DEMO_SITE

SANDBOX_PAGE_SIZE = 60
SANDBOX_QUERY = "cars"  # the sandbox's match-all query
# where the development checkout keeps that CSV; used when present and --real-titles is not given
DEFAULT_REAL_TITLES = Path("../shared/data/car-titles/ebay_motors_sedans_info.csv")


def isolate_prefect(workdir: Path) -> None:
    """Point Prefect at a temporary local server of its own (never a configured remote API or profile).

    Must run before Prefect is imported: Prefect reads its settings once, at import.
    """
    os.environ.setdefault("PREFECT_HOME", str((workdir / ".prefect").resolve()))
    for name in ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILE"):
        os.environ.pop(name, None)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    offline_env(force=True)


@app.command()
def demo(
    workdir: Path = typer.Option(Path("data/demo"), help="Work directory for every output of the demo."),
    listings: int = typer.Option(DEMO_SITE.listings, help="Listings the sandbox site serves."),
    seed: int = typer.Option(
        DEMO_PLAN.seed, help="Seed of the sandbox site and of every training step (the demo plan's)."
    ),
    fresh: bool = typer.Option(False, "--fresh", help="Delete the work directory first (no cached steps)."),
    real_titles: Path | None = typer.Option(
        None,
        help="CSV of real eBay Motors titles (ebay_motors_sedans_info.csv, not shipped: third-party data) "
        "that carner's hand-checked gold annotates; adds every model's F1 on them to the output.",
    ),
) -> None:
    """Run the whole chain on a local sandbox site: scrape → SQLite → pre-annotation → doccano JSONL →
    simulated annotator → import → npy dataset → baseline, teacher, students → report."""
    csv = real_titles or DEFAULT_REAL_TITLES
    if real_titles is not None and not real_titles.is_file():
        raise fail(f"--real-titles {real_titles}: no such file")
    if listings < 2:
        raise fail(f"--listings must be at least 2 (a train and a test text), got {listings}")
    if workdir.exists() and not workdir.is_dir():
        raise fail(f"--workdir {workdir} exists and is not a directory")
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    isolate_prefect(workdir)
    for noisy in ("httpx", "alembic", "spacy"):  # per-request / per-migration INFO lines drown the demo
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from carner.flows.tasks import cpu_now  # after isolate_prefect: Prefect reads its settings at import

    started, cpu_started = time.perf_counter(), cpu_now()
    result = run_demo(workdir, listings, seed)
    print_summary(result, time.perf_counter() - started, cpu_now() - cpu_started)
    if csv.is_file():
        print_real_titles(real_title_scores((result.get("train") or {}).get("models", {}), csv), csv)
    elif real_titles is not None:
        typer.echo(f"real-title table skipped: {csv} not found")
    print_next_steps(workdir)


def next_steps(workdir: Path) -> list[tuple[str, str]]:
    """What to try after the demo: (command, what it does), on the demo's own work directory."""
    return [
        (f"export CARNER_WORKDIR={workdir}", "the demo's work directory"),
        ('carner predict --model student-soft "2015 Toyota Camry LE"', "tag a title"),
        ("carner models", "the trained models (★ champion)"),
        ("carner serve-model --model baseline", "HTTP /predict, e.g. for doccano"),
        ("python -c 'import carner; print(carner.predict(\"2015 Toyota Camry LE\"))'", ""),
        (f"less {workdir / 'reports' / 'report.md'}", "every figure of the report"),
    ]


def print_next_steps(workdir: Path) -> None:
    """The demo's last lines: where to go from here (README.md has the recipes)."""
    typer.echo("")
    typer.echo("Next steps (more recipes in carner's README):")
    for command, what in next_steps(workdir):
        typer.echo(f"  {command:<40}  # {what}" if what and len(command) <= 40 else f"  {command}")


def real_title_scores(models: dict[str, str], csv: Path) -> dict[str, dict[str, Any]]:
    """Exact-span scores of each trained model on the hand-checked gold of the real titles."""
    from carner.training.real_titles import score_real_titles_dir

    return {kind: score_real_titles_dir(path, csv) for kind, path in models.items()}


def print_real_titles(scores: dict[str, dict[str, Any]], csv: Path) -> None:
    """F1 per label of every model on the real titles (models trained on sandbox titles only)."""
    from rich.table import Table

    if not scores:
        return
    from rich import box

    from carner.cli.tables import console

    labels = list(next(iter(scores.values()))["per_label"])
    # labels as rows, models as columns: eleven label columns never fit 80 columns
    title = "Real titles, hand-checked gold: exact-span F1"
    table = Table(title=title, caption=csv.name, box=box.SIMPLE_HEAD, min_width=len(title))  # title unwrapped
    table.add_column("label")
    for kind in scores:
        table.add_column(kind, justify="right")
    for lab in labels:
        table.add_row(lab, *(f"{sc['per_label'][lab]['f1']:.2f}" for sc in scores.values()))
    table.add_row("micro", *(f"{sc['micro']['f1']:.3f}" for sc in scores.values()))
    table.add_row("macro", *(f"{sc['macro']['f1']:.3f}" for sc in scores.values()))
    console().print(table)


def run_demo(workdir: Path, n_listings: int, seed: int) -> dict[str, Any]:
    """Start the sandbox, run the `pipeline` flow at demo scale against it, return its manifest."""
    from carner.flows.pipeline import pipeline
    from carner.flows.tasks import cpu_now
    from carner.scraper.sandbox.generator import TitleMix
    from carner.scraper.sandbox.server import SandboxServer
    plan = DEMO_PLAN.model_copy(update={"seed": seed})
    t0, cpu0 = time.perf_counter(), cpu_now()
    mix = TitleMix(**DEMO_SITE.mix)
    with SandboxServer(n_listings=n_listings, seed=seed, page_size=SANDBOX_PAGE_SIZE, mix=mix) as site:
        sandbox_s, sandbox_cpu_s = time.perf_counter() - t0, cpu_now() - cpu0
        typer.echo(f"sandbox: {n_listings} listings at {site.base_url}; work directory {workdir}")
        result = pipeline(
            queries=[SANDBOX_QUERY],
            max_pages=math.ceil(n_listings / SANDBOX_PAGE_SIZE) + 1,
            base_url=site.base_url,
            simulate_sandbox={"n_listings": n_listings, "seed": seed, "mix": DEMO_SITE.mix},
            plan=plan,
            workdir=str(workdir),
            db_url=sqlite_url((workdir / "carner.db").resolve()),
            min_delay_s=0.0,
        )
    result["seconds"] = {"sandbox start": round(sandbox_s, 2), **result["seconds"]}
    result["cpu_seconds"] = {"sandbox start": round(sandbox_cpu_s, 2), **result.get("cpu_seconds", {})}
    return result


def print_summary(result: dict[str, Any], total_s: float, total_cpu_s: float = 0.0) -> None:
    from rich.table import Table

    from carner.cli.tables import console as make_console

    console = make_console()
    table = Table(title="carner demo: seconds per stage")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("CPU s", justify="right")  # this process, all threads: a quiet machine's upper bound
    table.add_column("note")
    cached = (result.get("train") or {}).get("cached", {})
    cpu = result.get("cpu_seconds", {})
    for name, secs in result["seconds"].items():
        step = name.removeprefix("train: ")
        note = "cached (reused)" if cached.get(step) else ""
        table.add_row(name, f"{secs:.1f}", f"{cpu[name]:.1f}" if name in cpu else "", note)
    table.add_row("total (incl. Prefect start-up)", f"{total_s:.1f}", f"{total_cpu_s:.1f}", "")
    console.print(table)
    if "scrape" in result:
        for query, crawl in result["scrape"]["queries"].items():
            typer.echo(
                f"scrape {query!r}: {crawl['status']}, {crawl['listings_new']} new, "
                f"{crawl['listings_updated']} updated, {crawl['listings_unchanged']} unchanged listings"
            )
    if "simulate" in result:
        sim = result["simulate"]
        typer.echo(
            f"simulated annotator (sandbox gold): {sim['lines']} texts, {sim['corrected']} corrected "
            f"(+{sim['spans_added']} / -{sim['spans_removed']} spans), "
            f"{sim['unchanged']} pre-annotations kept as they were"
        )
    for decision in (result.get("train") or {}).get("promotions", []):
        verdict = "champion" if decision["promoted"] else "kept previous champion"
        typer.echo(f"{decision['kind']}: {verdict} ({decision['reason']})")
    report = (result.get("train") or {}).get("report") or {}
    if report.get("json"):
        from carner.cli.tables import print_report

        typer.echo("")
        print_report(report["json"], files=[report["markdown"]])
