"""`carner serve-model`: the champion NER model over HTTP, for doccano's auto-labelling and scripts.

    POST /predict  {"text": "..."} or {"texts": ["...", ...]}  -> spans (start, end, label, text,
                   confidence); one text answers {"model", "spans"}, a batch {"model", "results"}
    GET  /health   the served model's id, kind, registry run and headline metrics, the limits and
                   the queue depth (open without a token: it names no path and no secret)
    POST /reload   check the registry now (what a promotion hook calls); the watcher also checks it
                   every `reload_s` seconds
    GET  /docs, /openapi.json   the API description

Why a holder with a lock: when the registry promotes a new champion, the new model is loaded beside
the old one and swapped in with one reference assignment under a lock. A request takes the model it
starts with and finishes on it, so a swap never drops or mixes requests; the old model is freed when
its last request ends. Inference runs on one worker thread fed by a bounded queue
(`carner.serve.batcher`); what one request may cost is in `carner.serve.limits`, the token in
`carner.serve.auth`. Bad input (not JSON, wrong shape, too long, too many) is a 4xx with a one-line
JSON `error`; an unexpected failure is a 500 without a traceback (the traceback goes to the log).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# At module level: FastAPI reads the handlers' (string) annotations in this module's globals.
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from carner.serve.auth import TokenGuard
from carner.serve.batcher import Batcher
from carner.serve.limits import BadRequest, PredictRequest, ServeLimits, parse_predict_body
from carner.serve.predict import PREDICT_OPENAPI, PredictEndpoint

__all__ = [
    "BadRequest",
    "ModelHolder",
    "ModelRef",
    "PredictRequest",
    "ServeLimits",
    "ServerThread",
    "bind",
    "create_app",
    "directory_ref",
    "parse_predict_body",
    "resolve_champion",
]

log = logging.getLogger(__name__)

HEADLINE_METRICS = ("f1", "precision", "recall", "n_texts", "test_hash", "evaluated_at")


# ------------------------------------------------------------------------------- where the model is


@dataclass(frozen=True)
class ModelRef:
    """A model directory to serve and what the registry knows of it."""

    path: Path
    kind: str
    run_id: int | None = None  # None: a directory given by hand, not a registry entry
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        return f"{self.kind}#{self.run_id}" if self.run_id is not None else f"{self.kind}@{self.path.name}"


def resolve_champion(db_url: str, kind: str | None = None, data_dir: Path | None = None) -> ModelRef | None:
    """The model to serve: what `kind` names in the registry (its champion in the task of the data set
    `data_dir`, default the workdir's own, else that task's newest run, as `carner predict --model KIND`),
    or (kind None) the best-F1 of those champions over all kinds.

    The one place the server reads the model registry (through `training.registry.champion_of`).
    """
    from carner.training.registry import champion_of, champions_of

    if kind is not None:
        run = champion_of(db_url, kind, data_dir, or_newest=True)
    else:
        runs = list(champions_of(db_url, data_dir).values())
        run = max(runs, key=lambda r: (r.f1 is not None, r.f1 or 0.0, r.id), default=None)
    if run is None:
        return None
    from carner.db import model_runs
    from carner.db.engine import open_session

    with open_session(db_url) as session:
        row = model_runs.find_by_path(session, run.path)
        metrics = dict(row.metrics or {}) if row is not None else {}
    return ModelRef(Path(run.path), run.kind, run.id, metrics)


def directory_ref(path: Path) -> ModelRef:
    """A model directory given by hand (served as is, never swapped)."""
    from carner.training.models import model_kind

    kind = model_kind(path)
    metrics = json.loads((Path(path) / "metrics.json").read_text(encoding="utf-8"))
    return ModelRef(Path(path), kind, None, metrics)


# ------------------------------------------------------------------------------- the served model


@dataclass
class Served:
    """A loaded model; `lock` serialises inference on it (spaCy pipelines are not thread-safe)."""

    ref: ModelRef
    model: Any
    loaded_at: str
    lock: threading.Lock = field(default_factory=threading.Lock)

    def predict(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        from carner.training.scored import predict_scored

        with self.lock:
            rows = predict_scored(self.model, texts)
        return [
            [
                {"start": s.start, "end": s.end, "label": s.label, "text": s.text, "confidence": s.confidence}
                for s in row
            ]
            for row in rows
        ]

    def describe(self) -> dict[str, Any]:
        metrics = self.ref.metrics
        macro = metrics.get("macro")
        return {
            "id": self.ref.model_id,
            "kind": self.ref.kind,
            "run_id": self.ref.run_id,
            "labels": list(getattr(self.model, "labels", None) or []),
            "loaded_at": self.loaded_at,
            "metrics": {
                **{k: metrics[k] for k in HEADLINE_METRICS if k in metrics},
                **({"macro_f1": macro.get("f1")} if isinstance(macro, dict) else {}),
            },
        }


def _load(ref: ModelRef) -> Any:
    from carner.training.models import load_model

    return load_model(ref.path)


class ModelHolder:
    """The served model and how to find its successor; `refresh()` swaps atomically."""

    def __init__(
        self,
        locate: Callable[[], ModelRef | None],
        *,
        load: Callable[[ModelRef], Any] = _load,
        follows_registry: bool = True,
    ) -> None:
        self.locate = locate
        self.load = load
        self.follows_registry = follows_registry
        self._served: Served | None = None
        self._swap = threading.Lock()  # guards the reference
        self._refreshing = threading.Lock()  # one load at a time
        self.swaps = 0
        self.last_error: str | None = None
        self._failed: tuple[int | None, Path] | None = None  # not retried until the registry names another

    @property
    def served(self) -> Served | None:
        with self._swap:
            return self._served

    def refresh(self) -> bool:
        """Load the model `locate()` names if it is not the one served; True when it swapped.

        A model that fails to load keeps the current one in service (the error is kept for /health).
        """
        with self._refreshing:
            ref = self.locate()
            current = self.served
            if ref is None or (ref.run_id, ref.path) == self._failed:
                return False
            if current is not None and (current.ref.run_id, current.ref.path) == (ref.run_id, ref.path):
                return False
            try:
                model = self.load(ref)
            except Exception as exc:  # a broken promotion must not take the server down
                self._failed = (ref.run_id, ref.path)
                # what /health shows: no path, no message (it may name files); the log has both
                self.last_error = f"could not load {ref.model_id} ({type(exc).__name__}); see the server log"
                log.warning(
                    "could not load %s at %s: %s: %s; still serving %s",
                    ref.model_id,
                    ref.path,
                    type(exc).__name__,
                    exc,
                    current and current.ref.model_id,
                )
                if current is None:
                    raise
                return False
            served = Served(ref, model, datetime.now(UTC).isoformat(timespec="seconds"))
            with self._swap:
                self._served = served
            self.swaps += 1
            self.last_error, self._failed = None, None
            log.info("serving %s (%s)", ref.model_id, ref.path)
            return True


# ------------------------------------------------------------------------------------ the web app


class ServerApp:
    """The ASGI app: POST /predict on its lean path, everything else (health, reload, docs) on FastAPI."""

    def __init__(self, api: Any, predict: PredictEndpoint) -> None:
        self.api = api
        self.predict = predict
        self.limits = predict.limits

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/predict":
            await self.predict(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(
    holder: ModelHolder,
    limits: ServeLimits | None = None,
    reload_s: float | None = None,
    token: str | None = None,
) -> ServerApp:
    """The server over `holder`; with `reload_s`, a watcher thread checks the registry that often.

    With `token`, every endpoint but /health asks for it (see `carner.serve.auth`).
    """
    from fastapi import FastAPI
    from fastapi.openapi.docs import get_swagger_ui_html

    limits = limits or ServeLimits()
    guard = TokenGuard(token)
    batcher = Batcher(limits)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        stop = threading.Event()
        watcher = None
        batcher.start()
        if reload_s and holder.follows_registry:
            watcher = threading.Thread(
                target=_watch, args=(holder, reload_s, stop), daemon=True, name="champion-watch"
            )
            watcher.start()
        try:
            yield
        finally:
            stop.set()
            batcher.stop()
            if watcher is not None:
                watcher.join(timeout=5)

    api = FastAPI(
        title="carner model server", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )

    def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    def denied(request: Request) -> JSONResponse | None:
        refusal = guard.check(request.scope["headers"])
        if refusal is None:
            return None
        status, message = refusal
        return error(status, message, {"www-authenticate": "Bearer"} if status == 401 else None)

    @api.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return error(500, f"internal error ({type(exc).__name__}); see the server log")

    @api.get("/health")
    def health() -> JSONResponse:
        """The served model (id, kind, registry run, headline metrics), the limits and the queue."""
        served = holder.served
        body = {
            "status": "ok" if served else "no model",
            "model": served.describe() if served else None,
            "follows_registry": holder.follows_registry,
            "swaps": holder.swaps,
            "last_reload_error": holder.last_error,
            "limits": limits.describe(),
            "queue": batcher.depth(),
            "token_required": guard.enabled,
        }
        return JSONResponse(body, status_code=200 if served else 503)

    @api.post("/reload")
    async def reload(request: Request) -> JSONResponse:
        """Check the registry now (what a promotion hook calls)."""
        if (refusal := denied(request)) is not None:
            return refusal
        if not holder.follows_registry:
            return error(409, "serving a model directory given by hand: nothing to reload")
        try:
            swapped = await run_in_threadpool(holder.refresh)
        except Exception as exc:  # the registry is unreachable, or the first load failed
            log.warning("registry check failed: %s: %s", type(exc).__name__, exc)
            return error(503, f"registry check failed ({type(exc).__name__}); see the server log")
        served = holder.served
        return JSONResponse({"reloaded": swapped, "model": served.ref.model_id if served else None})

    def openapi_schema() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = api.openapi()
            schema["paths"] = {"/predict": PREDICT_OPENAPI, **schema.get("paths", {})}
        return api.openapi_schema

    @api.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        return denied(request) or JSONResponse(openapi_schema())

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Any:
        return denied(request) or get_swagger_ui_html(openapi_url="/openapi.json", title=api.title)

    return ServerApp(api, PredictEndpoint(holder, batcher, limits, guard))


def _watch(holder: ModelHolder, every_s: float, stop: threading.Event) -> None:
    while not stop.wait(every_s):
        try:
            holder.refresh()
        except Exception as exc:  # keep watching: the registry may come back
            log.warning("registry check failed: %s: %s", type(exc).__name__, exc)


# ------------------------------------------------------------------------------------- running it


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: a free one), so a busy port is a clean error before uvicorn starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer (head and body written apart) waited ~40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: Any, own_process: bool = False) -> Any:
    """uvicorn's settings for the server: no access log (a line per request costs at 1,000 a second),
    and at most a queue's worth (plus some) of connections and requests at once, each holding at most
    one body: beyond that uvicorn answers 503 itself, so open connections cannot grow memory unbounded.
    httptools parses HTTP when installed. uvloop only in a process of the server's own (`own_process`,
    `carner serve-model`): uvicorn installs it as the process-wide event loop policy, which would change
    the loops of everything else in a process that embeds the server (Prefect's event client among them)."""
    import uvicorn

    limits = getattr(app, "limits", None) or ServeLimits()
    return uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        access_log=False,
        limit_concurrency=limits.max_queue + 64,
        loop="auto" if own_process else "asyncio",
    )


class ServerThread:
    """uvicorn serving `app` on a bound socket in a background thread (tests, embedding)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.sock = bind(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(uvicorn_config(app))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 20.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("model server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
