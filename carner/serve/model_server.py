"""`carner serve-model`: the champion NER model over HTTP, for doccano's auto-labelling and scripts.

    POST /predict  {"text": "..."} or {"texts": ["...", ...]}  -> spans (start, end, label, text,
                   confidence); one text answers {"model", "spans"}, a batch {"model", "results"}
    GET  /health   the served model's id, kind, path and headline metrics, and the limits
    POST /reload   check the registry now (what a promotion hook calls); the watcher also checks it
                   every `reload_s` seconds

Why a holder with a lock: when the registry promotes a new champion, the new model is loaded beside
the old one and swapped in with one reference assignment under a lock. A request takes the model it
starts with and finishes on it, so a swap never drops or mixes requests; the old model is freed when
its last request ends. Bad input (not JSON, wrong shape, too long, too many) is a 4xx with a one-line
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
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

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


def resolve_champion(db_url: str, kind: str | None = None) -> ModelRef | None:
    """The model to serve: what `kind` names in the registry (its champion, else its newest run, as
    `carner predict --model KIND`), or (kind None) the best-F1 champion over all kinds.

    The one place the server reads the model registry.
    """
    from carner.db import model_runs
    from carner.db.engine import open_session
    from carner.training.registry import registry_exists

    if not registry_exists(db_url):
        return None
    with open_session(db_url) as session:
        if kind is not None:
            run = model_runs.resolve(session, kind)
        else:
            runs = list(model_runs.champions(session).values())
            run = max(runs, key=lambda r: (r.f1 is not None, r.f1 or 0.0, r.id), default=None)
        if run is None:
            return None
        return ModelRef(Path(run.path), run.kind, run.id, dict(run.metrics or {}))


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
            return [[s.as_dict() for s in row] for row in predict_scored(self.model, texts)]

    def describe(self) -> dict[str, Any]:
        metrics = self.ref.metrics
        macro = metrics.get("macro")
        return {
            "id": self.ref.model_id,
            "kind": self.ref.kind,
            "run_id": self.ref.run_id,
            "path": str(self.ref.path),
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
                self.last_error = f"{ref.model_id} at {ref.path}: {type(exc).__name__}: {exc}"
                log.warning(
                    "could not load %s; still serving %s", self.last_error, current and current.ref.model_id
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


@dataclass(frozen=True)
class ServeLimits:
    max_text_chars: int = 2000
    max_batch: int = 64

    @property
    def max_body_bytes(self) -> int:
        """A generous bound on a valid body (4 bytes per character, JSON overhead), read before parsing."""
        return self.max_batch * (self.max_text_chars * 4 + 16) + 1024


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_predict_body(raw: bytes, limits: ServeLimits) -> tuple[list[str], bool]:
    """The texts of a /predict body and whether it was a batch; `BadRequest` with a clear message."""
    if len(raw) > limits.max_body_bytes:
        raise BadRequest(413, f"request body is {len(raw)} bytes; the limit is {limits.max_body_bytes}")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise BadRequest(400, f"request body is not valid JSON: {msg}{where}") from None
    if (
        not isinstance(body, dict)
        or len({"text", "texts"} & body.keys()) != 1
        or set(body) - {"text", "texts"}
    ):
        raise BadRequest(422, 'send a JSON object with either "text": "..." or "texts": ["...", ...]')
    batch = "texts" in body
    texts = body["texts"] if batch else [body["text"]]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise BadRequest(422, '"texts" must be a list of strings' if batch else '"text" must be a string')
    if len(texts) > limits.max_batch:
        raise BadRequest(413, f"{len(texts)} texts in one request; the limit is {limits.max_batch}")
    for i, text in enumerate(texts):
        if len(text) > limits.max_text_chars:
            name = f"texts[{i}]" if batch else "text"
            raise BadRequest(
                413, f"{name} is {len(text)} characters long; the limit is {limits.max_text_chars}"
            )
    return texts, batch


def create_app(holder: ModelHolder, limits: ServeLimits | None = None, reload_s: float | None = None) -> Any:
    """The FastAPI app over `holder`; with `reload_s`, a watcher thread checks the registry that often."""
    limits = limits or ServeLimits()

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        stop = threading.Event()
        watcher = None
        if reload_s and holder.follows_registry:
            watcher = threading.Thread(
                target=_watch, args=(holder, reload_s, stop), daemon=True, name="champion-watch"
            )
            watcher.start()
        try:
            yield
        finally:
            stop.set()
            if watcher is not None:
                watcher.join(timeout=5)

    app = FastAPI(title="carner model server", lifespan=lifespan)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return error(500, f"internal error ({type(exc).__name__}); see the server log")

    @app.get("/health")
    def health() -> JSONResponse:
        served = holder.served
        body = {
            "status": "ok" if served else "no model",
            "model": served.describe() if served else None,
            "follows_registry": holder.follows_registry,
            "swaps": holder.swaps,
            "last_reload_error": holder.last_error,
            "limits": {"max_text_chars": limits.max_text_chars, "max_batch": limits.max_batch},
        }
        return JSONResponse(body, status_code=200 if served else 503)

    @app.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        try:
            texts, batch = parse_predict_body(await _read_capped(request, limits.max_body_bytes), limits)
        except BadRequest as exc:
            return error(exc.status, exc.message)
        served = holder.served  # this request finishes on this model, whatever is swapped meanwhile
        if served is None:
            return error(503, "no model loaded")
        rows = await run_in_threadpool(served.predict, texts)
        model_id = served.ref.model_id
        if request.query_params.get("records") in {"1", "true"}:  # the car as eBay item specifics
            from carner.annotation.link import link_many

            linked = [r.as_dict() for r in await run_in_threadpool(link_many, texts, rows)]
            results = [{"spans": r, "record": rec} for r, rec in zip(rows, linked, strict=True)]
            return JSONResponse({"model": model_id, **({"results": results} if batch else results[0])})
        if batch:
            return JSONResponse({"model": model_id, "results": [{"spans": r} for r in rows]})
        return JSONResponse({"model": model_id, "spans": rows[0]})

    @app.post("/reload")
    async def reload() -> JSONResponse:
        if not holder.follows_registry:
            return error(409, "serving a model directory given by hand: nothing to reload")
        try:
            swapped = await run_in_threadpool(holder.refresh)
        except Exception as exc:  # the registry is unreachable, or the first load failed
            return error(503, f"registry check failed: {type(exc).__name__}: {exc}")
        served = holder.served
        return JSONResponse({"reloaded": swapped, "model": served.ref.model_id if served else None})

    return app


async def _read_capped(request: Request, cap: int) -> bytes:
    """The body, refusing (413) one that announces or grows past `cap` bytes before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BadRequest(413, f"request body is {declared} bytes; the limit is {cap}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BadRequest(413, f"request body is over {cap} bytes; the limit is {cap}")
        chunks.append(chunk)
    return b"".join(chunks)


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
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ServerThread:
    """uvicorn serving `app` on a bound socket in a background thread (tests, embedding)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.sock = bind(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
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
