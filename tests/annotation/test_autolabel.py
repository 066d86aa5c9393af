"""doccano's own auto-labelling calls carner's model server: a real doccano 1.8.4, a real uvicorn, real
models; a promotion in the registry swaps the model doccano's next suggestion comes from."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from carner.annotation.autolabel import (
    MARKER,
    TEMPLATE,
    autolabel_config,
    health_url,
    redact_url,
    served_labels,
)
from carner.annotation.sync import DoccanoClient
from typer.testing import CliRunner

from carner.cli import app
from carner.serve.model_server import (
    ModelHolder,
    ServerThread,
    bind,
    create_app,
    directory_ref,
    resolve_champion,
)
from tests.support.tiny_models import record_and_promote, registry


def test_config_body_is_doccanos_custom_rest_request():
    body = autolabel_config("http://127.0.0.1:8010/predict", ["MAKE", "YEAR"])
    assert body["model_name"] == "Custom REST Request" and body["task_type"] == "Span"
    attrs = body["model_attrs"]
    assert attrs["body"] == {"text": "{{ text }}"} and attrs["params"] == {} and attrs["method"] == "POST"
    assert body["label_mapping"] == {"MAKE": "MAKE", "YEAR": "YEAR"}
    assert body["template"].startswith(MARKER)
    with pytest.raises(ValueError, match="http"):
        autolabel_config("ftp://host/predict", ["MAKE"])


def test_template_maps_the_servers_answer():
    from jinja2 import Template  # what doccano renders the template with

    answer = {
        "model": "x",
        "spans": [{"start": 0, "end": 4, "label": 'MA"KE', "text": "Ford", "confidence": 1}],
    }
    assert json.loads(Template(TEMPLATE).render(input=answer)) == [
        {"label": 'MA"KE', "start_offset": 0, "end_offset": 4}
    ]
    assert json.loads(Template(TEMPLATE).render(input={"spans": []})) == []


def test_redact_url_drops_credentials():
    assert redact_url("http://u:secret@127.0.0.1:8010/predict") == "http://127.0.0.1:8010/predict"
    assert redact_url("http://127.0.0.1:8010/predict") == "http://127.0.0.1:8010/predict"


# ------------------------------------------------------------------------------------ live doccano


def _spans_by_label(client: DoccanoClient, pid: int, eid: int, text: str) -> list[tuple[int, int, str, str]]:
    names = {v: k for k, v in client.span_types(pid).items()}
    return sorted(
        (s["start_offset"], s["end_offset"], names[s["label"]], text[s["start_offset"] : s["end_offset"]])
        for s in client.spans(pid, eid)
    )


def _served(url: str, text: str) -> list[tuple[int, int, str, str]]:
    spans = requests.post(f"{url}/predict", json={"text": text}, timeout=30).json()["spans"]
    return sorted((s["start"], s["end"], s["label"], s["text"]) for s in spans)


@pytest.mark.doccano
def test_doccano_autolabels_with_the_champion_and_follows_a_promotion(
    doccano_server: Any, tiny_models: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    sessions = registry(db_url)
    first = record_and_promote(sessions, tiny_models.make_only, 0.5)
    holder = ModelHolder(lambda: resolve_champion(db_url, "baseline"))
    holder.refresh()
    server = ServerThread(create_app(holder, reload_s=0.2)).start()
    monkeypatch.setenv("CARNER_DOCCANO_USER", doccano_server.username)
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", doccano_server.password)
    runner = CliRunner()
    args = [
        "annotate",
        "autolabel-config",
        "--doccano-url",
        doccano_server.url,
        "--project",
        "carner-autolabel",
    ]
    try:
        # 1. carner writes the config; doccano checks it by calling the server once. By default the
        # mapping holds the served model's own labels (MAKE only here)
        done = runner.invoke(app, [*args, "--model-url", f"{server.url}/predict"])
        assert done.exit_code == 0, done.output
        assert "created" in done.output and "Checked: doccano reached the model server" in done.output
        assert "labels MAKE." in done.output
        # the next champion also knows YEAR: name every label the mapping must let through
        again = runner.invoke(app, [*args, "--model-url", f"{server.url}/predict", "--labels", "MAKE,YEAR"])
        assert again.exit_code == 0 and "updated" in again.output
        assert doccano_server.password not in done.output + again.output

        client = DoccanoClient(
            doccano_server.url, doccano_server.username, doccano_server.password, poll_s=0.2
        )
        pid = client.find_project("carner-autolabel")
        configs = client.request("GET", f"/v1/projects/{pid}/auto-labeling/configs").json()
        assert len(configs) == 1 and configs[0]["model_attrs"]["url"] == f"{server.url}/predict"

        titles = tiny_models.titles[:2]
        client.upload_jsonl(
            pid, "".join(json.dumps({"text": t, "label": []}) + "\n" for t in titles).encode()
        )
        examples = {ex["text"]: ex["id"] for ex in client.examples(pid)}
        assert set(examples) == set(titles)

        # 2. doccano's own auto-labelling endpoint: doccano calls carner, stores the model's spans
        before = _served(server.url, titles[0])
        assert before and {label for _, _, label, _ in before} == {"MAKE"}  # the MAKE-only champion
        client.request("POST", f"/v1/projects/{pid}/auto-labeling?example={examples[titles[0]]}", ok=(201,))
        assert _spans_by_label(client, pid, examples[titles[0]], titles[0]) == before

        # 3. a promotion in the registry: the server swaps models, doccano's next call shows it
        second = record_and_promote(sessions, tiny_models.make_year, 0.9)
        deadline = time.monotonic() + 30
        while requests.get(f"{server.url}/health", timeout=10).json()["model"]["run_id"] != second:
            assert time.monotonic() < deadline, "the server never picked up the promoted champion"
            time.sleep(0.1)
        after = _served(server.url, titles[1])
        assert "YEAR" in {label for _, _, label, _ in after}
        client.request("POST", f"/v1/projects/{pid}/auto-labeling?example={examples[titles[1]]}", ok=(201,))
        assert _spans_by_label(client, pid, examples[titles[1]], titles[1]) == after
        assert first != second
    finally:
        server.stop()


@pytest.mark.doccano
def test_unreachable_model_server_is_one_clear_line(
    doccano_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARNER_DOCCANO_USER", doccano_server.username)
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", doccano_server.password)
    port = _closed_port()
    result = CliRunner().invoke(
        app,
        [
            "annotate",
            "autolabel-config",
            "--doccano-url",
            doccano_server.url,
            "--project",
            "carner-autolabel-down",
            "--model-url",
            f"http://user:hunter2@127.0.0.1:{port}/predict",
            "--labels",
            "MAKE,MODEL",
        ],
    )
    assert result.exit_code == 4
    assert "doccano could not get an answer from http://127.0.0.1:" in result.output
    assert "hunter2" not in result.output and doccano_server.password not in result.output
    assert "Traceback" not in result.output


def _closed_port() -> int:
    sock = bind("127.0.0.1", 0)  # a port nobody answers on once closed
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_served_labels_are_the_served_models_own(tiny_models: Any) -> None:
    """The default of --labels: what the model behind --model-url knows (MAKE only here), not carner's 11."""
    assert health_url("http://h:1/predict") == "http://h:1/health"
    assert health_url("http://h:1/api/predict") == "http://h:1/api/health"
    holder = ModelHolder(lambda: directory_ref(tiny_models.make_only), follows_registry=False)
    holder.refresh()
    server = ServerThread(create_app(holder)).start()
    try:
        assert served_labels(f"{server.url}/predict") == ["MAKE"]
    finally:
        server.stop()


def test_unreachable_doccano_exits_4_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARNER_DOCCANO_USER", "admin")
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", "s3cret-pw")
    url = f"http://127.0.0.1:{_closed_port()}"
    args = ["annotate", "autolabel-config", "--doccano-url", url, "--project", "p", "--labels", "MAKE,MODEL"]
    started = time.monotonic()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 4, result.output
    assert f"doccano unreachable at {url}" in result.output and "connection refused" in result.output
    assert "Retrying" not in result.output and "Traceback" not in result.output
    assert "s3cret-pw" not in result.output
    assert time.monotonic() - started < 10  # no retries with back-off on a refused connection
    pushed = CliRunner().invoke(app, ["annotate", "push", "--doccano-url", url, "--project", "p"])
    assert pushed.exit_code in (2, 4), pushed.output  # 2 only when no database to push from
    empty = CliRunner().invoke(app, [*args[:-1], ""])
    assert empty.exit_code == 2 and "--labels is empty" in empty.output


def test_unreachable_model_server_without_labels_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARNER_DOCCANO_USER", "admin")
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", "s3cret-pw")
    model_url = f"http://127.0.0.1:{_closed_port()}/predict"
    result = CliRunner().invoke(
        app, ["annotate", "autolabel-config", "--doccano-url", "http://127.0.0.1:9", "--model-url", model_url]
    )
    assert result.exit_code == 4, result.output
    assert "cannot ask the model server for its labels" in result.output and "--labels" in result.output
