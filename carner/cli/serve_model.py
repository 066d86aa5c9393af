"""`carner serve-model`: serve the champion model (or a model directory) over HTTP until Ctrl-C.

A thin shell over `carner.serve.model_server`: resolve the model (registry champion of a kind, the
best champion, or a directory), check the door (a token is required beyond loopback), bind the port,
run uvicorn in the foreground.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from carner.cli.app import app, fail
from carner.common.settings import get_settings

MODEL_HELP = (
    "A model kind (baseline, teacher, student-spacy, student-soft): serve that kind's champion and "
    "follow its promotions; or a model directory: serve it as is. Default: the best champion of any kind."
)
TOKEN_HELP = (
    "Bearer token every endpoint but /health asks for; required with a --host beyond loopback. Prefer "
    "CARNER_SERVE_TOKEN: a flag shows in the process list."
)


@app.command("serve-model")
def serve_model(
    model: str | None = typer.Option(None, "--model", help=MODEL_HELP),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (beyond loopback: needs a token)."),
    port: int = typer.Option(8010, help="TCP port; 0 picks a free one."),
    reload_s: float | None = typer.Option(
        None, min=0.1, help="Seconds between registry checks for a new champion (CARNER_SERVE_RELOAD_S)."
    ),
    token: str | None = typer.Option(None, "--token", help=TOKEN_HELP, show_default=False),
    db: str | None = typer.Option(None, help="SQLAlchemy URL of the registry (CARNER_DB_URL)."),
    workdir: Path | None = typer.Option(None, help="Work directory (CARNER_WORKDIR)."),
) -> None:
    """Serve POST /predict (spans with confidences), GET /health and POST /reload for the champion model."""
    import uvicorn

    from carner.db.engine import sqlite_path
    from carner.serve.auth import check_exposure
    from carner.serve.model_server import (
        ModelHolder,
        ServeLimits,
        bind,
        create_app,
        directory_ref,
        resolve_champion,
        uvicorn_config,
    )
    from carner.training.models import MODEL_LOADERS

    settings = get_settings(db_url=db, workdir=workdir, serve_reload_s=reload_s, serve_token=token)
    if not 0 <= port <= 65535:
        raise fail(f"--port must be in 0..65535, got {port}")
    secret = settings.serve_token.get_secret_value() if settings.serve_token else None
    try:
        warning = check_exposure(host, secret or None)
        limits = ServeLimits.from_settings(settings)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if model is not None and Path(model).is_dir():
        try:
            ref = directory_ref(Path(model))
        except (FileNotFoundError, ValueError) as exc:
            raise fail(f"--model {model}: {exc}") from None
        holder = ModelHolder(lambda: ref, follows_registry=False)
        where = f"directory {model}"
    elif model is None or model in MODEL_LOADERS:
        url = settings.database_url  # built by sqlalchemy's URL, so `?`, `%`, `#` in the workdir stay
        db_file = sqlite_path(url)
        if db_file is not None and not db_file.exists():
            raise fail(f"no database at {db_file}: train a model first or pass --model DIR")
        holder = ModelHolder(lambda: resolve_champion(url, model, settings.dataset_dir))
        where = f"the registry's {model or 'best'} champion"
    else:
        raise fail(f"--model {model!r} is neither a model directory nor a kind ({', '.join(MODEL_LOADERS)})")
    _inference_threads(settings.serve_threads)
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
    api = create_app(holder, limits, settings.serve_reload_s, token=secret or None)
    bound_host, bound_port = sock.getsockname()[:2]
    served = holder.served
    if warning:
        typer.secho(f"Warning: {warning}", err=True, fg=typer.colors.YELLOW)
    typer.echo(
        f"Serving {served.ref.model_id} ({served.ref.path}) at http://{bound_host}:{bound_port} "
        f"(POST /predict, GET /health; Ctrl-C to stop)"
    )
    # The event loop (HTTP) and the inference worker share the GIL: hand it over every 1 ms rather than
    # 5, so reading and answering requests is not held up behind a batch's Python work.
    sys.setswitchinterval(0.001)
    uvicorn.Server(uvicorn_config(api, own_process=True)).run(sockets=[sock])


def _inference_threads(n: int) -> None:
    """The model's thread count (torch, and the BLAS under numpy for spaCy) for the server's life.

    On a small machine the HTTP event loop needs a core of its own: measured on the idle 2-core machine
    (`bench/serve.py`), 32 one-title clients of the soft student got 987 requests/s (p99 57 ms) with
    the model on two threads, 1,445 requests/s (p99 32 ms) on one.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n)
    try:
        import torch
    except ImportError:  # a spaCy-only install
        return
    torch.set_num_threads(n)
