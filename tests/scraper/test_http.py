"""PoliteSession against a real HTTP server on 127.0.0.1 that misbehaves on purpose, per path.

Each scripted path answers from a queue of behaviours (then 200), so every retry is deterministic;
the server logs every request with its time, so waits and robots.txt are checked on the wire.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from carner.scraper.http import Disallowed, FetchError, HttpConfig, PoliteSession

PAGE = b"<!DOCTYPE html><html><head><title>ok</title></head><body>" + b"x" * 2000 + b"</body></html>"
ROBOTS = b"User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n"


class Site:
    def __init__(self) -> None:
        self.script: dict[str, list[str]] = defaultdict(list)
        self.log: list[tuple[float, str, str]] = []  # (time, path, user agent)
        self.lock = threading.Lock()

    def next_behaviour(self, path: str) -> str:
        with self.lock:
            queue = self.script.get(path)
            return queue.pop(0) if queue else "ok"


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(
            self, status: int, body: bytes, headers: dict[str, str] | None = None, length: int | None = None
        ):
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            site.log.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
            if self.path == "/robots.txt":
                self._send(200, ROBOTS)
                return
            behaviour = site.next_behaviour(self.path)
            if behaviour == "ok":
                self._send(200, PAGE)
            elif behaviour.startswith("429"):
                self._send(429, b"slow down", {"Retry-After": behaviour.split(":")[1]})
            elif behaviour.isdigit():
                self._send(int(behaviour), b"<html>error</html>")
            elif behaviour == "short":  # announces more bytes than it sends, then hangs up
                self._send(200, PAGE[:300], length=len(PAGE))
                self.close_connection = True
            elif behaviour == "noend":  # complete by Content-Length, but the HTML stops mid-way
                self._send(200, PAGE[:500])
            elif behaviour == "noend-vary":  # cut off at a different byte each time, as a real cut is
                self._send(200, PAGE[: 400 + len(site.log)])
            elif behaviour == "reset":  # hang up without answering
                self.close_connection = True
                self.connection.close()

    return Handler


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fast(**overrides: object) -> HttpConfig:
    config = HttpConfig(
        min_delay_s=0.0, timeout_s=5.0, max_retries=3, backoff_factor=0.01, backoff_jitter_s=0.01
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def requests_to(site: Site, path: str) -> list[float]:
    return [t for t, p, _ in site.log if p == path]


def test_plain_fetch_sends_carner_user_agent_and_reads_robots_once(site: tuple[Site, str]) -> None:
    state, base = site
    with PoliteSession(fast()) as http:
        first = http.get(f"{base}/a")
        http.get(f"{base}/b")
    assert first.status == 200 and first.content == PAGE and first.retries == 0
    assert "ok" in first.text
    assert len(requests_to(state, "/robots.txt")) == 1
    assert all(ua.startswith("carner/") for _, _, ua in state.log)
    assert http.stats.retries == 0 and http.stats.requests == 3  # robots + 2 pages


def test_retry_after_is_waited(site: tuple[Site, str]) -> None:
    state, base = site
    state.script["/busy"] = ["429:1"]
    with PoliteSession(fast()) as http:
        result = http.get(f"{base}/busy")
    assert result.status == 200 and result.retries == 1
    assert http.stats.retry_reasons["status 429"] == 1
    waits = http.stats.retry_after_waits()
    assert [w.seconds for w in waits] == [1.0]
    times = requests_to(state, "/busy")
    assert len(times) == 2 and times[1] - times[0] >= 0.95  # really waited on the wire


def test_5xx_and_resets_are_retried_with_backoff(site: tuple[Site, str]) -> None:
    state, base = site
    state.script["/flaky"] = ["500", "503", "reset"]
    with PoliteSession(fast(max_retries=4)) as http:
        result = http.get(f"{base}/flaky")
    assert result.status == 200 and result.content == PAGE
    assert result.retries == 3 and len(requests_to(state, "/flaky")) == 4
    assert http.stats.retry_reasons["status 500"] == 1 and http.stats.retry_reasons["status 503"] == 1
    assert any(w.reason == "backoff" for w in http.stats.waits)


@pytest.mark.parametrize("behaviour", ["short", "noend"])
def test_truncated_bodies_are_fetched_again(site: tuple[Site, str], behaviour: str) -> None:
    state, base = site
    state.script["/cut"] = [behaviour, behaviour]
    with PoliteSession(fast()) as http:
        result = http.get(f"{base}/cut")
    assert result.content == PAGE
    assert len(requests_to(state, "/cut")) == 3
    assert http.stats.retries == 2
    assert [w.reason for w in http.stats.waits] == ["refetch", "refetch"]


def test_gives_up_after_max_retries(site: tuple[Site, str]) -> None:
    state, base = site
    state.script["/down"] = ["503"] * 10
    state.script["/cut"] = ["noend-vary"] * 10
    with PoliteSession(fast(max_retries=2)) as http:
        final = http.get(f"{base}/down")
        assert final.status == 503  # returned, not raised: the caller decides
        with pytest.raises(FetchError, match="incomplete body"):
            http.get(f"{base}/cut")
    assert len(requests_to(state, "/down")) == 3
    assert len(requests_to(state, "/cut")) == 3


def test_a_complete_page_without_closing_html_is_stored_not_refetched_forever(
    site: tuple[Site, str],
) -> None:
    """The same bytes without `</html>` on every try is the page as served, not a cut transfer."""
    state, base = site
    state.script["/noend"] = ["noend"] * 10
    with PoliteSession(fast(max_retries=2)) as http:
        result = http.get(f"{base}/noend")
    assert result.status == 200 and result.content == PAGE[:500]
    assert len(requests_to(state, "/noend")) == 3


def test_404_is_returned_without_retry(site: tuple[Site, str]) -> None:
    state, base = site
    state.script["/gone"] = ["404"]
    with PoliteSession(fast()) as http:
        assert http.get(f"{base}/gone").status == 404
    assert len(requests_to(state, "/gone")) == 1


def test_robots_disallow_is_never_requested(site: tuple[Site, str]) -> None:
    state, base = site
    with PoliteSession(fast()) as http:
        with pytest.raises(Disallowed):
            http.get(f"{base}/private/page")
        assert not http.allowed(f"{base}/private")
        assert http.allowed(f"{base}/public")
    assert not any(p.startswith("/private") for _, p, _ in state.log)
    assert http.stats.disallowed == [f"{base}/private/page"]


def test_other_user_agents_rules_do_not_apply(site: tuple[Site, str]) -> None:
    _, base = site
    with PoliteSession(fast(user_agent="otherbot/1.0")) as http:
        assert not http.allowed(f"{base}/anything")
    with PoliteSession(fast()) as http:
        assert http.allowed(f"{base}/anything")


def test_min_delay_between_requests_to_one_host(site: tuple[Site, str]) -> None:
    state, base = site
    with PoliteSession(fast(min_delay_s=0.3)) as http:
        for name in ("a", "b", "c"):
            http.get(f"{base}/{name}")
    times = [t for t, p, _ in state.log]  # robots.txt counts as a request to the host too
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.28
    assert http.stats.rate_wait_s > 0.5


def test_unreachable_host_raises_fetch_error() -> None:
    with PoliteSession(fast(max_retries=1, respect_robots=False)) as http:
        with pytest.raises(FetchError):
            http.get("http://127.0.0.1:9/nothing")
