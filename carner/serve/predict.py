"""POST /predict as a plain ASGI handler: token, body within its caps, parse, queue, answer.

Why not a FastAPI route: at a thousand requests a second the per-request cost of the framework
(request objects, routing, middleware, response classes) is a large share of the server's time on a
2-core machine; this path does only what /predict needs. It is documented in the OpenAPI description
like the other endpoints.

Extending the answer: options come from the query string (`PredictRequest.query`) and the body is
shaped in `render`, so a new option touches `render` only.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from carner.serve.auth import TokenGuard
from carner.serve.batcher import Batcher, QueueFull, RequestTimeout, Rows
from carner.serve.limits import BadRequest, PredictRequest, ServeLimits, parse_predict_body

log = logging.getLogger(__name__)

JSON_HEADERS = [(b"content-type", b"application/json")]

PREDICT_OPENAPI: dict[str, Any] = {
    "post": {
        "summary": "Spans with confidences for one text or a batch",
        "description": (
            'Body {"text": "..."} answers {"model", "spans"}; {"texts": ["...", ...]} answers '
            '{"model", "results": [{"spans"}, ...]}. A span is {"start", "end", "label", "text", '
            '"confidence"}. Limits (characters, texts, tokens) are in GET /health; over them: 413. '
            "Busy: 503 with Retry-After."
        ),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "object",
                                "properties": {"text": {"type": "string"}},
                                "required": ["text"],
                            },
                            {
                                "type": "object",
                                "properties": {"texts": {"type": "array", "items": {"type": "string"}}},
                                "required": ["texts"],
                            },
                        ]
                    }
                }
            },
        },
        "responses": {
            "200": {"description": "spans"},
            "400": {"description": "not JSON"},
            "401": {"description": "no token"},
            "403": {"description": "wrong token"},
            "413": {"description": "over a limit"},
            "422": {"description": "wrong shape"},
            "503": {"description": "no model, busy or too slow: retry after Retry-After seconds"},
        },
    }
}


def json_body(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def wants_records(request: PredictRequest) -> bool:
    """`?records=1`: each text's car as eBay item specifics (linked to vPIC) beside its spans."""
    return request.query.get("records", "").lower() in {"1", "true", "yes"}


def render(
    request: PredictRequest, model_id: str, rows: Rows, records: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The answer's JSON: one text {"model", "spans"}, a batch {"model", "results": [{"spans"}]};
    with records, each result also holds {"record"}."""
    results = [{"spans": r} for r in rows]
    if records is not None:
        results = [{**res, "record": rec} for res, rec in zip(results, records, strict=True)]
    if request.batch:
        return {"model": model_id, "results": results}
    return {"model": model_id, **results[0]}


class PredictEndpoint:
    """The ASGI app of POST /predict over the served model of `holder`, through `batcher`."""

    def __init__(self, holder: Any, batcher: Batcher, limits: ServeLimits, guard: TokenGuard) -> None:
        self.holder = holder
        self.batcher = batcher
        self.limits = limits
        self.guard = guard

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers: dict[str, str] = {}
        try:
            status, body = 200, await self.answer(scope, receive)
        except BadRequest as exc:
            status, body, headers = exc.status, {"error": exc.message}, exc.headers
        except (QueueFull, RequestTimeout) as exc:
            status, body, headers = 503, {"error": str(exc)}, {"retry-after": str(exc.retry_after_s)}
        except Exception as exc:
            log.exception("request failed")
            status, body = 500, {"error": f"internal error ({type(exc).__name__}); see the server log"}
        data = json_body(body)
        raw_headers = [
            *JSON_HEADERS,
            (b"content-length", str(len(data)).encode()),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": data})

    async def answer(self, scope: dict[str, Any], receive: Any) -> dict[str, Any]:
        if scope["method"] != "POST":
            raise BadRequest(405, "use POST /predict", {"allow": "POST"})
        denied = self.guard.check(scope["headers"])
        if denied is not None:
            status, message = denied
            raise BadRequest(status, message, {"www-authenticate": "Bearer"} if status == 401 else None)
        raw = await read_capped(scope, receive, self.limits.max_body_bytes)
        request = parse_predict_body(raw, self.limits, query_params(scope))
        served = self.holder.served  # this request finishes on this model, whatever is swapped meanwhile
        if served is None:
            raise BadRequest(503, "no model loaded", {"retry-after": "5"})
        rows = await self.batcher.infer(served, request.texts, request.costs)
        records = None
        if wants_records(request):
            from carner.annotation.link import link_many

            linked = await asyncio.to_thread(link_many, request.texts, rows)
            records = [r.as_dict() for r in linked]
        return render(request, served.ref.model_id, rows, records)


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    qs = scope.get("query_string", b"")
    return dict(parse_qsl(qs.decode("latin-1"), keep_blank_values=True)) if qs else {}


async def read_capped(scope: dict[str, Any], receive: Any, cap: int) -> bytes:
    """The body, refusing (413) one that announces or grows past `cap` bytes before reading it all."""
    declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
    if declared.isdigit() and len(declared) < 20 and int(declared) > cap:
        raise BadRequest(413, f"request body is {int(declared)} bytes; the limit is {cap}")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest(400, "the client closed the connection before the body ended")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise BadRequest(413, f"request body is over {cap} bytes; the limit is {cap}")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
