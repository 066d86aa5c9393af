"""doccano's auto-labelling pointed at carner's model server, written through doccano's REST API.

doccano 1.8 (backend/auto_labeling + the auto-labeling-pipeline package) keeps per project a list of
configs `{model_name, model_attrs, template, label_mapping, task_type}`. For model "Custom REST
Request" it sends `model_attrs.body` to `model_attrs.url` with the value "{{ text }}" replaced by the
example's text, renders the Jinja2 `template` with the JSON answer as `input` into
`[{"label", "start_offset", "end_offset"}]`, keeps only the labels that are keys of `label_mapping`
(renamed to its values) and stores the spans that do not overlap existing ones for the user who asked.
Every config of a project runs on each request, so carner updates its own config (found by a marker
comment in the template) instead of adding another.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from carner.annotation.labels import DEFAULT_SCHEMA, LabelSchema
from carner.annotation.sync import DoccanoClient, DoccanoError, DoccanoUnreachable

log = logging.getLogger(__name__)

MODEL_NAME = "Custom REST Request"  # doccano's RequestModel title (auto_labeling_pipeline.models)
TASK_TYPE = "Span"
MARKER = "{# carner autolabel #}"
# carner's /predict answer {"model", "spans": [{"start", "end", "label", "text", "confidence"}]} as
# doccano's span list; `tojson` quotes labels safely.
TEMPLATE = (
    MARKER + '[{% for s in input.spans %}{"label": {{ s.label|tojson }}, "start_offset": {{ s.start|int }}, '
    '"end_offset": {{ s.end|int }}}{% if not loop.last %},{% endif %}{% endfor %}]'
)
SAMPLE_TEXT = "2015 Toyota Camry LE 2.5L Automatic Silver"


@dataclass
class AutolabelResult:
    project_id: int
    config_id: int
    created: bool  # False: carner's existing config was updated
    labels: list[str]
    checked_spans: list[dict[str, Any]] | None = None  # what doccano got from the server for a sample
    other_configs: list[str] = field(default_factory=list)  # configs of the project that are not carner's


def redact_url(url: str) -> str:
    """The URL without user:password@ (never echo credentials)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_model_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "--model-url must be an http(s) URL such as http://127.0.0.1:8010/predict, "
            f"got {redact_url(url)!r}"
        )
    return url


def health_url(model_url: str) -> str:
    """The model server's `/health` beside its `/predict` URL."""
    parts = urlsplit(model_url)
    path = parts.path.rsplit("/", 1)[0] if parts.path.endswith("/predict") else parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"{path}/health", "", ""))


def served_labels(model_url: str, timeout_s: float = 10.0) -> list[str]:
    """The labels of the model `carner serve-model` serves at `model_url` (from its `/health`).

    The auto-labelling config maps exactly these labels, so a model trained on a doccano project's own
    labels gets its suggestions through (doccano drops every label the mapping does not name).
    """
    import requests

    url = health_url(model_url)
    try:
        body = requests.get(url, timeout=timeout_s).json()
    except requests.RequestException as exc:
        raise DoccanoUnreachable(
            f"cannot ask the model server for its labels at {redact_url(url)} ({type(exc).__name__}); "
            "start `carner serve-model` or pass --labels"
        ) from None
    except ValueError:
        raise DoccanoError(f"{redact_url(url)} did not answer JSON: not carner's model server") from None
    labels = ((body or {}).get("model") or {}).get("labels") if isinstance(body, dict) else None
    if not labels:
        raise DoccanoError(f"{redact_url(url)} names no model labels (no model loaded?); pass --labels")
    return [str(label) for label in labels]


def autolabel_config(model_url: str, labels: Sequence[str]) -> dict[str, Any]:
    """The config body doccano's `POST /v1/projects/{id}/auto-labeling/configs` takes."""
    return {
        "model_name": MODEL_NAME,
        "model_attrs": {
            "url": check_model_url(model_url),
            "method": "POST",
            "params": {},  # must be a dict: doccano walks it looking for "{{ text }}"
            "headers": {},
            "body": {"text": "{{ text }}"},
        },
        "template": TEMPLATE,
        "label_mapping": {label: label for label in labels},
        "task_type": TASK_TYPE,
    }


def _is_carner(config: dict[str, Any]) -> bool:
    return config.get("model_name") == MODEL_NAME and MARKER in str(config.get("template", ""))


def write_autolabel_config(
    client: DoccanoClient,
    project: str,
    model_url: str,
    schema: LabelSchema = DEFAULT_SCHEMA,
    check: bool = True,
    labels: Sequence[str] | None = None,
) -> AutolabelResult:
    """Create or update carner's auto-labelling config in `project` (created with its labels if missing).

    With `check`, doccano itself sends a sample text to `model_url` and maps the answer with the
    template, so a server doccano cannot reach is reported now rather than in the annotators' UI.
    `labels` (default: the schema's) are the labels mapped and created in the project.
    """
    labels = list(labels) if labels else list(schema.labels)
    body = autolabel_config(model_url, labels)
    project_id, _ = client.ensure_project(project)
    client.ensure_labels(project_id, labels)
    base = f"/v1/projects/{project_id}/auto-labeling"
    existing = client.request("GET", f"{base}/configs").json()
    mine = [c for c in existing if _is_carner(c)]
    others = [str(c.get("model_name")) for c in existing if not _is_carner(c)]
    checked = None
    if check:
        checked = check_config(client, project_id, body)
    if mine:
        config_id = int(mine[0]["id"])
        client.request("PUT", f"{base}/configs/{config_id}", json=body)
        for extra in mine[1:]:  # doccano would call the server once per config
            client.request("DELETE", f"{base}/configs/{extra['id']}")
        created = False
    else:
        config_id = int(client.request("POST", f"{base}/configs", json=body).json()["id"])
        created = True
    log.info(
        "doccano project #%d: auto-labelling config #%d -> %s", project_id, config_id, redact_url(model_url)
    )
    return AutolabelResult(project_id, config_id, created, labels, checked, others)


def check_config(client: DoccanoClient, project_id: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """doccano's own request test (it calls the server) and template test (it maps the answer)."""
    base = f"/v1/projects/{project_id}/auto-labeling"
    try:
        response = client.request(
            "POST",
            f"{base}/request-testing",
            json={"model_name": MODEL_NAME, "model_attrs": body["model_attrs"], "text": SAMPLE_TEXT},
            ok=(200,),
        ).json()
    except DoccanoError as exc:
        raise DoccanoUnreachable(
            f"doccano could not get an answer from {redact_url(body['model_attrs']['url'])} "
            f"(is `carner serve-model` running where doccano can reach it?): {exc}"
        ) from None
    if not isinstance(response, dict) or not isinstance(response.get("spans"), list):
        raise DoccanoError(
            f"{redact_url(body['model_attrs']['url'])} answered {str(response)[:200]!r}: "
            "not carner's /predict"
        )
    if not response["spans"]:
        return []
    mapped = client.request(
        "POST",
        f"{base}/label-extractor-testing",
        json={"response": response, "template": body["template"], "task_type": TASK_TYPE},
        ok=(200,),
    ).json()
    return list(mapped)
