"""The doccano client trusts no answer: a real HTTP server on 127.0.0.1 plays a doccano that answers
HTML with status 200, a page without `results`, a non-integer id, a `next` that never ends, and echoes
the credentials it was sent. Each is one clear DoccanoError (exit 2 from the CLI), never a traceback
or a hang, and no secret in any form reaches the output."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import carner.annotation.sync as sync
import pytest
from carner.annotation.sync import DoccanoClient, DoccanoError
from typer.testing import CliRunner

from carner.cli import app

Answer = tuple[int, str, bytes]
HTML = (200, "text/html", b"<!doctype html><html><body>Please sign in</body></html>")


def as_json(data: Any, status: int = 200) -> Answer:
    return status, "application/json", json.dumps(data).encode()


class FakeDoccano:
    """`routes`: path without the query -> a function of (handler) returning (status, type, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], Answer]] = {
            "/v1/auth/login/": lambda h: as_json({"key": "t0ken-12345678"}),
        }
        self.hits = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                fake.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                route = fake.routes.get(self.path.split("?")[0])
                status, kind, body = route(self) if route else as_json({"detail": "not found"}, 404)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeDoccano]:
    server = FakeDoccano()
    yield server
    server.close()


def client(fake: FakeDoccano) -> DoccanoClient:
    return DoccanoClient(fake.url, "admin", "pw-secret-1", timeout_s=5)


def test_html_with_status_200_is_a_clear_error(fake: FakeDoccano) -> None:
    fake.routes["/v1/projects"] = lambda h: HTML
    with pytest.raises(DoccanoError, match=r"answered text/html, not JSON .*Please sign in"):
        client(fake).find_project("carner")


def test_html_login_page_is_a_clear_error(fake: FakeDoccano) -> None:
    fake.routes["/v1/auth/login/"] = lambda h: HTML
    with pytest.raises(DoccanoError, match="not JSON"):
        client(fake).find_project("carner")


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ({"count": 1}, "without a 'results' list"),
        ({"results": "nope"}, "without a 'results' list"),
        ({"results": [7]}, "item 0 is a number, not an object"),
        ({"results": [{"id": "abc", "name": "carner"}], "next": None}, "no integer id"),
        ({"results": [{"id": 1.5, "name": "carner"}], "next": None}, "no integer id"),
        ({"results": [{"name": "carner"}], "next": None}, "no integer id"),
        ("just a string", "expected a JSON object or list, got string"),
    ],
)
def test_malformed_pages_are_clear_errors(fake: FakeDoccano, page: Any, expected: str) -> None:
    fake.routes["/v1/projects"] = lambda h: as_json(page)
    with pytest.raises(DoccanoError, match=expected):
        client(fake).find_project("carner")


def test_a_next_that_never_ends_stops_with_an_error(fake: FakeDoccano, monkeypatch) -> None:
    monkeypatch.setattr(sync, "MAX_PAGES", 30)
    fake.routes["/v1/projects"] = lambda h: as_json({"results": [{"id": 1, "name": "x"}], "next": h.path})
    t0 = time.monotonic()
    with pytest.raises(DoccanoError, match="more than 30 pages"):
        client(fake).find_project("carner")
    assert time.monotonic() - t0 < 20 and fake.hits <= 32


def test_an_empty_page_that_says_there_is_more_stops(fake: FakeDoccano) -> None:
    fake.routes["/v1/projects"] = lambda h: as_json({"results": [], "next": "http://x/?offset=100"})
    with pytest.raises(DoccanoError, match="empty page at offset 0"):
        client(fake).find_project("carner")


def test_a_well_formed_paged_list_still_works(fake: FakeDoccano) -> None:
    def page(h: BaseHTTPRequestHandler) -> Answer:
        offset = int(h.path.split("offset=")[1])
        more = offset == 0
        return as_json(
            {"results": [{"id": str(offset + 1), "name": f"p{offset}"}], "next": "n" if more else None}
        )

    fake.routes["/v1/projects"] = page
    assert client(fake).find_project("p100") == 101


@pytest.mark.parametrize("command", ["push", "pull"])
def test_cli_answers_one_line_exit_2(fake: FakeDoccano, tmp_path: Path, monkeypatch, command: str) -> None:
    fake.routes["/v1/projects"] = lambda h: HTML
    monkeypatch.setenv("CARNER_DOCCANO_USER", "admin")
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", "pw-secret-1")
    result = CliRunner().invoke(
        app, ["annotate", command, "--doccano-url", fake.url, "--workdir", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "not JSON" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("password", ["hunter2", "pa'ss", "ab/cd", "x@y:z%", "q"])
def test_echoed_credentials_never_printed_in_any_form(
    fake: FakeDoccano, tmp_path: Path, monkeypatch, password: str
) -> None:
    """The URL's credentials go out as Basic auth; doccano echoes the header (and the login body)."""

    def echo(h: BaseHTTPRequestHandler) -> Answer:
        sent = {"auth": h.headers.get("Authorization"), "detail": "bad credentials"}
        return as_json(sent, 401)

    fake.routes["/v1/auth/login/"] = echo
    monkeypatch.setenv("CARNER_DOCCANO_USER", "admin")
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", "env-pw-77")
    url = fake.url.replace("http://", f"http://admin:{password}@")
    result = CliRunner().invoke(app, ["annotate", "pull", "--doccano-url", url, "--workdir", str(tmp_path)])
    output = result.output
    expected = "percent-encode it" if "/" in password else "HTTP 401"
    assert result.exit_code == 2 and expected in output, output
    token = base64.b64encode(f"admin:{password}".encode()).decode()
    assert token not in output and f":{password}@" not in output and "env-pw-77" not in output
    if len(password) >= 4:
        assert password not in output
