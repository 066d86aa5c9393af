"""Live sync with a doccano 1.8 server through its REST API (plain requests).

Why not doccano-client: 1.2.8 needs pydantic 1 and cannot set the upload encoding, and doccano left
to guess read UTF-8 as Windows-1252 (mojibake, offsets on the wrong characters, reported as success).
So every upload says `utf_8` and every push is checked text by text. Credentials are arguments (the
CLI reads them from settings) and never appear in logs, errors or reprs.
"""

from __future__ import annotations

import io
import json
import logging
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from carner.annotation.doccano import (
    MAX_IMPORT_BYTES,
    ExportConfig,
    ImportResult,
    export_lines,
    import_documents,
    zip_documents,
)
from carner.annotation.labels import DEFAULT_SCHEMA, LabelSchema
from carner.annotation.select import select_tasks
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session
from urllib3.util.retry import Retry

from carner.common.redact import redact, register_secret, register_url_secrets, url_credentials

log = logging.getLogger(__name__)

LABEL_COLORS = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#9a6324",
    "#469990",
    "#800000",
    "#000075",
    "#808000",
)
UPLOAD_CHUNK = 500  # lines per uploaded file: keeps each doccano import task short
PAGE_SIZE = 100
MAX_PAGES = 2_000  # 200,000 items of one list: far beyond a doccano project; a `next` that never ends


class DoccanoError(RuntimeError):
    """A doccano request failed or doccano did something unexpected; the message says which call."""


class DoccanoUnreachable(DoccanoError):
    """doccano (or a server it must call) could not be reached: DNS, connection refused, timeout."""


def _unreachable_reason(exc: Exception) -> str:
    """A short cause of a failed connection, without urllib3's pool and retry wording."""
    text = str(exc)
    for needle, reason in (
        ("Connection refused", "connection refused (is doccano running?)"),
        ("Name or service not known", "unknown host name"),
        ("nodename nor servname", "unknown host name"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return reason
    return type(exc).__name__


class DoccanoClient:
    """The few doccano 1.8 endpoints carner needs, with token auth and retries on idempotent GETs."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout_s: float = 30.0,
        task_timeout_s: float = 300.0,
        poll_s: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        # masked in every later message and log line of this process, with its Basic-auth form
        register_secret(password, user=username)
        register_url_secrets(self.base_url)  # credentials in the URL go out as Basic auth
        typed = url_credentials(self.base_url)
        if typed is not None and urlsplit(self.base_url).password != typed[1]:
            raise DoccanoError(
                "the doccano URL's password holds a character a URL cannot carry as is (/ ? # @): "
                "percent-encode it (/ is %2F) or pass it as CARNER_DOCCANO_PASSWORD"
            )
        self.timeout_s = timeout_s
        self.task_timeout_s = task_timeout_s
        self.poll_s = poll_s
        self.http = requests.Session()
        # connection errors are not retried: an unreachable doccano is reported at once (exit 4)
        retry = Retry(
            total=4, connect=0, backoff_factor=0.5, status_forcelist=(502, 503, 504), allowed_methods={"GET"}
        )
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.http.mount("https://", HTTPAdapter(max_retries=retry))
        self._logged_in = False

    def __repr__(self) -> str:  # never show the password
        return f"DoccanoClient({self.base_url!r}, user={self.username!r})"

    # -------------------------------------------------------------- plumbing

    def request(self, method: str, path: str, *, ok: Sequence[int] = (200, 201, 204), **kwargs: Any) -> Any:
        if not self._logged_in and path != "/v1/auth/login/":
            self.login()
        url = f"{self.base_url}{path}"
        secrets = (self._password, self.http.headers.get("Authorization", "").removeprefix("Token "))
        try:
            resp = self.http.request(method, url, timeout=self.timeout_s, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            reason = _unreachable_reason(exc)
            raise DoccanoUnreachable(
                redact(f"doccano unreachable at {self.base_url} ({method} {path}): {reason}", secrets)
            ) from None
        except requests.RequestException as exc:
            raise DoccanoError(redact(f"{method} {url}: {type(exc).__name__}: {exc}", secrets)) from None
        if resp.status_code not in ok:
            # The body may echo what was sent (the password, on a login): masked, then shortened.
            body = " ".join(redact(resp.text, secrets).split())[:300]
            raise DoccanoError(redact(f"{method} {url}: HTTP {resp.status_code}: {body}", secrets))
        return resp

    def request_json(self, method: str, path: str, expect: type = dict, **kwargs: Any) -> Any:
        """`request` whose answer must be JSON of type `expect`: an HTML page (a proxy's login or error
        page answered with 200), a truncated body or another shape is a DoccanoError naming the call."""
        resp = self.request(method, path, **kwargs)
        where = f"{method} {self.base_url}{path}"
        try:
            data = resp.json()
        except ValueError:  # requests' JSONDecodeError, RecursionError-free: bodies are small JSON
            kind = resp.headers.get("Content-Type", "no content type").split(";")[0]
            start = " ".join(redact(resp.text[:80]).split())
            raise DoccanoError(
                f"{where}: answered {kind}, not JSON ({start!r}): is this a doccano server?"
            ) from None
        except RecursionError:
            raise DoccanoError(f"{where}: answered JSON nested too deeply") from None
        if not isinstance(data, expect):
            raise DoccanoError(f"{where}: expected a JSON {_json_name(expect)}, got {_json_name(type(data))}")
        return data

    def login(self) -> None:
        data = self.request_json(
            "POST", "/v1/auth/login/", json={"username": self.username, "password": self._password}, ok=(200,)
        )
        key = data.get("key")
        if not key or not isinstance(key, str):
            raise DoccanoError(f"login as {self.username!r} returned no token")
        # Login also sets session + CSRF cookies; with them every later POST fails "403 CSRF Failed".
        self.http.cookies.clear()
        self.http.headers["Authorization"] = f"Token {key}"
        register_secret(key)
        self._logged_in = True

    def _paginated(self, path: str, page: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every item of a doccano list, page by page; a page that is not a list of objects, a `next`
        that never ends (an empty page that says there is more, more than `MAX_PAGES`) is an error."""
        offset = 0
        for _ in range(MAX_PAGES):
            sep = "&" if "?" in path else "?"
            where = f"GET {self.base_url}{path}"
            data = self.request_json("GET", f"{path}{sep}limit={page}&offset={offset}", expect=dict | list)
            if isinstance(data, list):  # some doccano endpoints are not paginated
                yield from _objects(data, where)
                return
            results = data.get("results")
            if not isinstance(results, list):
                raise DoccanoError(f"{where}: a page without a 'results' list (keys: {sorted(data)[:8]})")
            yield from _objects(results, where)
            if not data.get("next"):
                return
            if not results:
                raise DoccanoError(f"{where}: an empty page at offset {offset} still says there is more")
            offset += page
        raise DoccanoError(f"{where}: more than {MAX_PAGES:,} pages (a `next` that never ends?): stopped")

    def wait_task(self, task_id: str) -> Any:
        """Poll a celery task (import/export) until ready; its errors become a DoccanoError."""
        deadline = time.monotonic() + self.task_timeout_s
        while time.monotonic() < deadline:
            status = self.request_json("GET", f"/v1/tasks/status/{task_id}")
            if status.get("error"):
                raise DoccanoError(f"doccano task {task_id} failed: {status['error']}")
            if status.get("ready"):
                result = status.get("result")
                if isinstance(result, dict) and result.get("error"):
                    raise DoccanoError(
                        f"doccano task {task_id} reported: {json.dumps(result['error'])[:500]}"
                    )
                return result
            time.sleep(self.poll_s)
        raise DoccanoError(f"doccano task {task_id} not ready after {self.task_timeout_s:.0f} s")

    # -------------------------------------------------------------- projects and labels

    def find_project(self, name: str) -> int | None:
        for project in self._paginated("/v1/projects"):
            if project.get("name") == name:
                return _int_id(project, "project")
        return None

    def ensure_project(self, name: str, description: str = "carner: car ad NER") -> tuple[int, bool]:
        """The id of the sequence-labelling project `name`, created if missing; and whether it was."""
        found = self.find_project(name)
        if found is not None:
            return found, False
        body = {
            "name": name,
            "description": description,
            "project_type": "SequenceLabeling",
            "resourcetype": "SequenceLabelingProject",
            "guideline": "",
            "allow_overlapping": False,
            "grapheme_mode": False,  # offsets in code points, like Python str
            "use_relation": False,  # keeps exports in the `label` form
            "tags": [],
        }
        return _int_id(self.request_json("POST", "/v1/projects", json=body), "new project"), True

    def span_types(self, project_id: int) -> dict[str, int]:
        types = self._paginated(f"/v1/projects/{project_id}/span-types")
        return {str(t.get("text")): _int_id(t, "span type") for t in types}

    def ensure_labels(self, project_id: int, labels: Sequence[str]) -> dict[str, int]:
        existing = self.span_types(project_id)
        for i, label in enumerate(labels):
            if label not in existing:
                body = {
                    "text": label,
                    "prefix_key": None,
                    "suffix_key": None,
                    "background_color": LABEL_COLORS[i % len(LABEL_COLORS)],
                    "text_color": "#ffffff",
                }
                made = self.request_json("POST", f"/v1/projects/{project_id}/span-types", json=body)
                existing[label] = _int_id(made, "new span type")
        return existing

    # -------------------------------------------------------------- examples

    def examples(self, project_id: int) -> Iterator[dict[str, Any]]:
        yield from self._paginated(f"/v1/projects/{project_id}/examples")

    def upload_jsonl(self, project_id: int, content: bytes, filename: str = "carner.jsonl") -> None:
        upload_id = self.request(
            "POST", "/v1/fp/process/", files={"filepond": (filename, content, "application/json")}
        ).text.strip()
        body = {
            "uploadIds": [upload_id],
            "format": "JSONL",
            "task": "SequenceLabeling",
            "column_data": "text",
            "column_label": "label",
            "delimiter": "",
            "encoding": "utf_8",  # never let doccano guess (it guessed Windows-1252 on real UTF-8)
        }
        task_id = _task_id(self.request_json("POST", f"/v1/projects/{project_id}/upload", json=body))
        self.wait_task(task_id)

    def export_zip(self, project_id: int, approved_only: bool = True) -> bytes:
        body = {"format": "JSONL", "exportApproved": approved_only}
        task_id = _task_id(self.request_json("POST", f"/v1/projects/{project_id}/download", json=body))
        self.wait_task(task_id)
        path = f"/v1/projects/{project_id}/download?taskId={task_id}"
        resp = self.request("GET", path, stream=True)
        data = resp.raw.read(MAX_IMPORT_BYTES + 1, decode_content=True)
        resp.close()
        if len(data) > MAX_IMPORT_BYTES:
            raise DoccanoError(f"GET {self.base_url}{path}: export larger than {MAX_IMPORT_BYTES:,} bytes")
        return data

    def spans(self, project_id: int, example_id: int) -> list[dict[str, Any]]:
        return list(self._paginated(f"/v1/projects/{project_id}/examples/{example_id}/spans"))

    def add_span(self, project_id: int, example_id: int, start: int, end: int, label_id: int) -> None:
        body = {"start_offset": start, "end_offset": end, "label": label_id}
        self.request("POST", f"/v1/projects/{project_id}/examples/{example_id}/spans", json=body)

    def delete_span(self, project_id: int, example_id: int, span_id: int) -> None:
        self.request("DELETE", f"/v1/projects/{project_id}/examples/{example_id}/spans/{span_id}")

    def confirm(self, project_id: int, example_id: int) -> None:
        self.request("POST", f"/v1/projects/{project_id}/examples/{example_id}/states", json={})


def _json_name(kind: Any) -> str:
    names = {dict: "object", list: "list", str: "string", int: "number", float: "number", bool: "boolean"}
    if isinstance(kind, type):
        return names.get(kind, "null" if kind is type(None) else kind.__name__)
    return " or ".join(names.get(k, k.__name__) for k in getattr(kind, "__args__", ()))


def _objects(items: list[Any], where: str) -> Iterator[dict[str, Any]]:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DoccanoError(f"{where}: item {i} is a {_json_name(type(item))}, not an object")
        yield item


def _int_id(obj: dict[str, Any], what: str) -> int:
    """A doccano object's id, which must be an integer (`"7"` is accepted, `"abc"`/`1.5`/none are not)."""
    value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DoccanoError(f"doccano {what} has no integer id (id: {json.dumps(value)[:40]})")
    if isinstance(value, str) and not value.strip().isdigit():
        raise DoccanoError(f"doccano {what} has no integer id (id: {json.dumps(value)[:40]})")
    return int(value)


def _task_id(obj: dict[str, Any]) -> str:
    value = obj.get("task_id")
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise DoccanoError(f"doccano answered no task id ({json.dumps(obj)[:80]})")
    return str(value)


def example_key(meta: dict[str, Any]) -> tuple[str, str, str] | None:
    """carner's join key of a doccano example (its `meta` holds our export's extra keys)."""
    if not isinstance(meta, dict) or "listing_id" not in meta:
        return None
    return str(meta["listing_id"]), str(meta.get("field", "title")), str(meta.get("text_hash", ""))


@dataclass
class PushResult:
    project_id: int
    project_created: bool
    pushed: int
    already_there: int
    strategy: str
    fallback_reason: str | None


def push(
    session: Session,
    client: DoccanoClient,
    project: str,
    cfg: ExportConfig | None = None,
    model: Any = None,
    schema: LabelSchema = DEFAULT_SCHEMA,
) -> PushResult:
    """Upload the next tasks (pre-annotated) to a doccano project, creating it and its labels if missing.

    Texts already in the project (same listing, field, text hash) are not uploaded again, so a push can
    be repeated. After the upload every pushed text is compared with what doccano stored.
    """
    cfg = cfg or ExportConfig()
    project_id, created = client.ensure_project(project)
    client.ensure_labels(project_id, schema.labels)
    there = {k for ex in client.examples(project_id) if (k := example_key(ex.get("meta") or {}))}
    chosen = select_tasks(
        session,
        strategy=cfg.strategy,
        limit=None,
        model=model,
        include_annotated=cfg.include_annotated,
        fields=cfg.fields,
        seed=cfg.seed,
    )
    lines, _, _ = export_lines(session, chosen.tasks)
    keep = [
        (t, line)
        for t, line in zip(chosen.tasks, lines, strict=True)
        if (line["listing_id"], line["field"], line["text_hash"]) not in there
    ]
    already = len(lines) - len(keep)
    if cfg.limit is not None:
        keep = keep[: cfg.limit]
    for i in range(0, len(keep), UPLOAD_CHUNK):
        chunk = [line for _, line in keep[i : i + UPLOAD_CHUNK]]
        content = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in chunk).encode("utf-8")
        client.upload_jsonl(project_id, content, filename=f"carner-{i // UPLOAD_CHUNK:04d}.jsonl")
        log.info(
            "pushed %d/%d texts to doccano project %r", min(i + UPLOAD_CHUNK, len(keep)), len(keep), project
        )
    _verify_texts(client, project_id, [line for _, line in keep])
    now = datetime.now(UTC)
    for task, _ in keep:
        task.exported_at = now
    session.commit()
    return PushResult(project_id, created, len(keep), already, chosen.strategy, chosen.fallback_reason)


def _verify_texts(client: DoccanoClient, project_id: int, lines: list[dict[str, Any]]) -> None:
    """Every pushed text must be stored exactly (an encoding guess would shift every offset)."""
    if not lines:
        return
    stored = {example_key(ex.get("meta") or {}): ex.get("text") for ex in client.examples(project_id)}
    bad = []
    for line in lines:
        key = (line["listing_id"], line["field"], line["text_hash"])
        if stored.get(key) != line["text"]:
            bad.append(
                f"listing {line['listing_id']} {line['field']}: sent {line['text']!r}, "
                f"doccano has {stored.get(key)!r}"
            )
    if bad:
        raise DoccanoError(
            f"doccano stored {len(bad)} pushed text(s) differently (encoding?): " + "; ".join(bad[:3])
        )


@dataclass
class PullResult:
    project_id: int
    archive: Path | None
    members: list[str]
    imported: ImportResult


def pull(
    session: Session,
    client: DoccanoClient,
    project: str,
    *,
    approved_only: bool = True,
    add_labels: bool = False,
    schema: LabelSchema = DEFAULT_SCHEMA,
    save_dir: Path | None = None,
) -> PullResult:
    """Download the project's export (confirmed examples by default) and import every annotator's file.

    Only confirmed examples count by default: an unconfirmed one still holds the uploaded
    pre-annotation, which is not gold. The zip is kept under `save_dir` so errors point at a file.
    """
    project_id = client.find_project(project)
    if project_id is None:
        raise DoccanoError(f"no doccano project named {project!r} at {client.base_url}")
    data = client.export_zip(project_id, approved_only=approved_only)
    now = datetime.now(UTC)
    archive = None
    name = f"doccano:{project}"
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
        archive = save_dir / f"{project}-{now:%Y%m%dT%H%M%S}.zip"
        tmp = archive.with_suffix(".zip.tmp")
        tmp.write_bytes(data)
        tmp.replace(archive)
        name = str(archive)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DoccanoError(f"doccano export of {project!r} is not a zip ({len(data)} bytes)")
    docs = zip_documents(
        io.BytesIO(data), name, require_jsonl=False
    )  # size-capped: an export is never trusted blindly
    result = import_documents(
        session, docs, schema=schema, add_labels=add_labels, source="doccano", exported_at=now
    )
    return PullResult(project_id, archive, [d.name for d in docs], result)
