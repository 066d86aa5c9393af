"""`carner serve-model`: serve the champion model (or a model directory) over HTTP until Ctrl-C.

A thin shell over `flows.model_server`: resolve the model (registry champion of a kind, the best
champion, or a directory), bind the port, run uvicorn in the foreground.
"""

from __future__ import annotations

from pathlib import Path

import typer

from carner.cli.app import app, fail
from carner.common.settings import get_settings

MODEL_HELP = (
    "A model kind (baseline, teacher, student-spacy, student-soft): serve that kind's champion and "
    "follow its promotions; or a model directory: serve it as is. Default: the best champion of any kind."
)


@app.command("serve-model")
def serve_model(
    model: str | None = typer.Option(None, "--model", help=MODEL_HELP),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep 127.0.0.1 unless you mean it)."),
    port: int = typer.Option(8010, help="TCP port; 0 picks a free one."),
    reload_s: float | None = typer.Option(
        None, min=0.1, help="Seconds between registry checks for a new champion (CARNER_SERVE_RELOAD_S)."
    ),
    db: str | None = typer.Option(None, help="SQLAlchemy URL of the registry (CARNER_DB_URL)."),
    workdir: Path | None = typer.Option(None, help="Work directory (CARNER_WORKDIR)."),
) -> None:
    """Serve POST /predict (spans with confidences), GET /health and POST /reload for the champion model."""
    import uvicorn

    from carner.serve.model_server import (
        ModelHolder,
        ServeLimits,
        bind,
        create_app,
        directory_ref,
        resolve_champion,
    )
    from carner.training.models import MODEL_LOADERS

    settings = get_settings(db_url=db, workdir=workdir, serve_reload_s=reload_s)
    if not 0 <= port <= 65535:
        raise fail(f"--port must be in 0..65535, got {port}")
    if model is not None and Path(model).is_dir():
        try:
            ref = directory_ref(Path(model))
        except (FileNotFoundError, ValueError) as exc:
            raise fail(f"--model {model}: {exc}") from None
        holder = ModelHolder(lambda: ref, follows_registry=False)
        where = f"directory {model}"
    elif model is None or model in MODEL_LOADERS:
        url = settings.database_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            raise fail(
                f"no database at {url.removeprefix('sqlite:///')}: train a model first or pass --model DIR"
            )
        holder = ModelHolder(lambda: resolve_champion(url, model, settings.dataset_dir))
        where = f"the registry's {model or 'best'} champion"
    else:
        raise fail(f"--model {model!r} is neither a model directory nor a kind ({', '.join(MODEL_LOADERS)})")
    try:
        if not holder.refresh():
            raise fail(f"no champion in the registry for {model or 'any kind'}: train and promote one first")
    except typer.Exit:
        raise
    except Exception as exc:  # a champion that does not load, an unreachable database
        raise fail(f"cannot load {where}: {type(exc).__name__}: {exc}") from None
    try:
        sock = bind(host, port)
    except OSError as exc:
        reason = "port already in use" if port and exc.errno in (98, 48, 10048) else exc.strerror or str(exc)
        raise fail(f"cannot listen on {host}:{port}: {reason}") from None
    limits = ServeLimits(settings.serve_max_text_chars, settings.serve_max_batch)
    api = create_app(holder, limits, settings.serve_reload_s)
    bound_host, bound_port = sock.getsockname()[:2]
    served = holder.served
    typer.echo(
        f"Serving {served.ref.model_id} ({served.ref.path}) at http://{bound_host}:{bound_port} "
        f"(POST /predict, GET /health; Ctrl-C to stop)"
    )
    uvicorn.Server(uvicorn.Config(api, log_level="warning", lifespan="on")).run(sockets=[sock])
