"""`carner annotate autolabel-config`: point a doccano project's auto-labelling at `carner serve-model`."""

from __future__ import annotations

from pathlib import Path

import typer

from carner.cli.annotate import PROJECT_HELP, URL_HELP, _client
from carner.cli.app import annotate_app, fail
from carner.cli.exitcodes import ExitCode
from carner.common.settings import get_settings


@annotate_app.command("autolabel-config")
def autolabel_config(
    doccano_url: str | None = typer.Option(None, "--doccano-url", help=URL_HELP),
    project: str | None = typer.Option(None, "--project", help=PROJECT_HELP),
    model_url: str = typer.Option(
        "http://127.0.0.1:8010/predict",
        "--model-url",
        help="carner's /predict as doccano's server reaches it (run `carner serve-model` there).",
    ),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Have doccano call the model server once with a sample text first."
    ),
    labels: str | None = typer.Option(
        None,
        "--labels",
        help="Comma-separated labels to map and create (default: the served model's own labels, read from "
        "its /health beside --model-url).",
    ),
    workdir: Path | None = typer.Option(None, help="Working directory (CARNER_WORKDIR)."),
) -> None:
    """Write doccano's auto-labelling config (Custom REST Request to carner's model server, response and
    label mappings) into the project, so annotators get the model's spans as suggestions."""
    from carner.annotation.autolabel import (
        check_model_url,
        redact_url,
        served_labels,
        write_autolabel_config,
    )
    from carner.annotation.sync import DoccanoError, DoccanoUnreachable

    try:
        check_model_url(model_url)
    except ValueError as exc:
        raise fail(str(exc)) from None
    wanted = [lab.strip() for lab in labels.split(",") if lab.strip()] if labels is not None else None
    if wanted is not None and not wanted:
        raise fail("--labels is empty: name at least one label, e.g. --labels MAKE,MODEL")
    settings = get_settings(workdir=workdir)
    client = _client(settings, doccano_url)
    name = project or settings.doccano_project
    try:
        wanted = wanted or served_labels(model_url)
        result = write_autolabel_config(client, name, model_url, check=check, labels=wanted)
    except DoccanoUnreachable as exc:
        raise fail(str(exc), ExitCode.UNREACHABLE) from None
    except DoccanoError as exc:
        raise fail(str(exc)) from None
    verb = "created" if result.created else "updated"
    typer.echo(
        f"Auto-labelling config #{result.config_id} {verb} in doccano project #{result.project_id} ({name}): "
        f"{redact_url(model_url)}, labels {', '.join(result.labels)}."
    )
    if result.checked_spans is not None:
        found = ", ".join(f"{s['label']} {s['start_offset']}-{s['end_offset']}" for s in result.checked_spans)
        typer.echo(
            f"Checked: doccano reached the model server and mapped its answer ({found or 'no spans'})."
        )
    if result.other_configs:
        typer.echo(
            f"Note: the project has other auto-labelling configs too: {', '.join(result.other_configs)}"
        )
    typer.echo("In doccano's annotation page, switch on Auto Labeling to get the model's suggestions.")
