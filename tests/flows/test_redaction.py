"""No secret in any message: URL credentials, database URLs, doccano passwords and echoed bodies."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from carner.cli import app
from carner.common.redact import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql+psycopg://carner:hunter2@db:5432/x", "postgresql+psycopg://carner:***@db:5432/x"),
        ("http://user:hunter2@host:8000/v1", "http://user:***@host:8000/v1"),
        ("https://hunter2@host/x", "https://***@host/x"),
        ('{"username": "admin", "password": "hunter2"}', '{"username": "admin", "password": "***"}'),
        ("GET /x?token=hunter2&page=2", "GET /x?token=***&page=2"),
        ("sqlite:////tmp/a%3Fb/carner.db", "sqlite:////tmp/a%3Fb/carner.db"),  # nothing secret: unchanged
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("carner.test.redaction")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO):
        logger.warning("cannot open %s", "postgresql://u:hunter2@h/db")
    assert "hunter2" not in caplog.text and "u:***@h" in caplog.text


class _Echo(BaseHTTPRequestHandler):
    """A doccano stand-in whose login error echoes the request body (the password with it)."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        reply = json.dumps({"detail": "bad credentials", "you_sent": body.decode()}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_doccano_login_error_never_echoes_the_password(echo_server: str, tmp_path, monkeypatch) -> None:
    from carner.annotation.sync import DoccanoClient, DoccanoError

    with pytest.raises(DoccanoError) as err:
        DoccanoClient(f"http://{echo_server}", "admin", "s3cret-pw-echo").find_project("carner")
    assert "s3cret-pw-echo" not in str(err.value) and "HTTP 400" in str(err.value)

    monkeypatch.setenv("CARNER_DOCCANO_USER", "admin")
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", "other-pw-7")
    for command in ("push", "pull"):
        result = CliRunner().invoke(
            app,
            [
                "annotate",
                command,
                "--doccano-url",
                f"http://user:url-pw-9@{echo_server}",
                "--workdir",
                str(tmp_path),
            ],
        )
        output = result.stdout + result.stderr
        assert result.exit_code == 2, output
        assert "url-pw-9" not in output and "other-pw-7" not in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql+asyncpg://carner:ab/cd@db/x", "ab/cd"),
        ("--doccano-url 'http://admin:pa'ss@127.0.0.1:8000': refused", "pa'ss"),
        ("http://admin:x@y:z%@host/v1", "x@y:z%"),
        ("mysql+pymysql://u:p%2Fq@h/db", "p%2Fq"),
        ("redis://:only-pw-1@h:6379/0", "only-pw-1"),
        ('{"password": "it\'s a secret"}', "it's a secret"),
        ("password=pa'ss&next=1", "pa'ss"),
        ("HTTP 401: Authorization: Basic YWRtaW46aHVudGVyMg==", "YWRtaW46aHVudGVyMg=="),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "eyJhbGciOiJIUzI1NiJ9"),
    ],
)
def test_the_secret_itself_is_masked_whatever_it_holds(text: str, secret: str) -> None:
    shown = redact(text)
    assert secret not in shown and "***" in shown


def test_ordinary_words_are_left_alone() -> None:
    for text in ("Basic authentication failed", "Token limit reached", "see bob@example.com at http://h/x"):
        assert redact(text) == text


def test_known_secrets_of_any_length_and_their_basic_auth_form() -> None:
    import base64

    from carner.common.redact import register_secret

    register_secret("q7", user="admin")  # two characters: masked as a word, not inside other words
    register_secret("s3cr'et/pw", user="admin")
    token = base64.b64encode(b"admin:s3cr'et/pw").decode()
    shown = redact(f"login q7 failed for q7x; echo {token}; sent s3cr%27et%2Fpw and s3cr'et/pw")
    assert shown == "login *** failed for q7x; echo ***; sent *** and ***"


def test_settings_register_the_secrets_they_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    from carner.common.settings import get_settings

    monkeypatch.setenv("CARNER_DB_URL", "postgresql+psycopg://carner:zz/9!pw@db/x")
    monkeypatch.setenv("CARNER_DOCCANO_PASSWORD", "dp")
    monkeypatch.setenv("CARNER_DOCCANO_USER", "ann")
    get_settings()
    assert (
        redact("driver said: bad password zz/9!pw; doccano: dp")
        == "driver said: bad password ***; doccano: ***"
    )


def test_async_driver_url_is_a_clear_error_without_the_password(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["listings"], env={"CARNER_DB_URL": "postgresql+asyncpg://carner:ab/cd@127.0.0.1:1/x"}
    )
    assert result.exit_code == 2, result.output
    assert "asyncio driver" in result.output and "ab/cd" not in result.output
