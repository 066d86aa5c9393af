"""The sandbox site as a threaded stdlib HTTP server on 127.0.0.1, usable as a context manager.

It serves `/sch/i.html` search pages, `/itm/<id>` (and old `/itm/<slug>/<id>`) item pages,
`/itm/<id>/desc` descriptions and `/robots.txt` from generated listings, injecting the faults of a
`FaultSpec`; every request is recorded in `request_log` so tests can check what a crawler did.
"""

from __future__ import annotations

import logging
import re
import socket
import struct
import threading
import time
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from carner.scraper.sandbox import render
from carner.scraper.sandbox.faults import FaultPlan, FaultSpec, coerce_spec
from carner.scraper.sandbox.generator import SandboxListing, TitleMix, generate_listings

logger = logging.getLogger(__name__)

MATCH_ALL_TOKENS = {"car", "cars", "*"}
MAX_PAGE_SIZE = 240
_ITEM_RE = re.compile(r"^/itm/(?:[^/]+/)?(?P<id>\d+)/?$")
_DESC_RE = re.compile(r"^/itm/(?P<id>\d+)/desc/?$")


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # path + query, as requested
    status: int | None  # None when the connection was reset without an answer
    fault: str | None
    time: float  # time.time() when the request arrived


class RequestLog:
    """A thread-safe, append-only list of `RequestRecord`s (index, iterate, len, `clear`)."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())


def _tokens(query: str) -> list[str]:
    return [t for t in query.casefold().split() if t not in MATCH_ALL_TOKENS]


def _haystack(listing: SandboxListing) -> str:
    a = listing.attributes or listing.specifics
    return " ".join([listing.title, a.get("Make", ""), a.get("Model", "")]).casefold()


class SandboxServer:
    """The eBay-like sandbox; `with SandboxServer(n_listings=50, faults="429:2") as site: site.base_url`."""

    def __init__(
        self,
        n_listings: int = 200,
        seed: int = 0,
        faults: None | str | FaultSpec = None,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 60,
        *,
        layout: render.Layout | None = None,
        item_layout: render.ItemLayout | Literal["mixed"] = "evo",
        retry_after_s: int = 1,
        slow_s: float = 3.0,
        mix: TitleMix | None = None,
    ) -> None:
        if n_listings < 0:
            raise ValueError(f"n_listings must be >= 0, got {n_listings}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be in 1..{MAX_PAGE_SIZE}, got {page_size}")
        self.seed = seed
        self.host = host
        self.port = port
        self.page_size = page_size
        self.layout = layout
        if item_layout != "mixed" and item_layout not in typing.get_args(render.ItemLayout):
            raise ValueError(f"unknown item layout {item_layout!r}")
        self.item_layout = item_layout
        self.faults = coerce_spec(faults, retry_after_s=retry_after_s, slow_s=slow_s)
        self.listings: list[SandboxListing] = generate_listings(n_listings, seed, mix)
        self.by_id: dict[str, SandboxListing] = {listing.item_id: listing for listing in self.listings}
        self.request_log = RequestLog()
        self._haystacks = [_haystack(listing) for listing in self.listings]
        self._plan = FaultPlan(self.faults, seed)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running (use start() or a with-block)")
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Bind and serve in a daemon thread; OSError (e.g. port in use) propagates."""
        if self._httpd is not None:
            return self
        handler = type("SandboxHandler", (_Handler,), {"site": self})
        httpd = ThreadingHTTPServer((self.host, self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="carner-sandbox", daemon=True
        )
        self._thread.start()
        logger.info("sandbox serving %d listings at %s", len(self.listings), self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's `serve`)."""
        self.start()
        assert self._thread is not None
        try:
            # sleep, not Thread.join: a KeyboardInterrupt raised inside join's lock acquisition can
            # leave the thread's state lock held. (This did not cure the CI hang of
            # test_serve_subprocess_answers_and_stops_on_ctrl_c; its cause is still unknown.)
            while self._thread.is_alive():
                time.sleep(0.2)
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ content
    def search(self, query: str) -> list[SandboxListing]:
        """Listings whose title/make/model contain every query token ("car", "cars", "*" match all)."""
        tokens = _tokens(query)
        if not tokens:
            return list(self.listings)
        return [
            listing
            for listing, hay in zip(self.listings, self._haystacks, strict=True)
            if all(t in hay for t in tokens)
        ]

    def layout_for(self, page: int) -> render.Layout:
        """Which search layout a page uses: the fixed one, else s-card, s-item, mixed in turn."""
        if self.layout is not None:
            return self.layout
        return render.LAYOUTS[(page - 1 + self.seed) % len(render.LAYOUTS)]

    def item_layout_for(self, listing: SandboxListing) -> render.ItemLayout:
        """The item page markup of a listing: the fixed one, or with "mixed" every real eBay layout in
        turn by item id (today's, 2022's wrapper-less rows, the older `itemAttr` table)."""
        if self.item_layout != "mixed":
            return self.item_layout
        return render.ITEM_LAYOUTS[int(listing.item_id) % len(render.ITEM_LAYOUTS)]

    def route(self, path: str) -> tuple[int, str, str]:
        """(status, content type, body) for a GET of `path` (path + query), faults aside."""
        parts = urlsplit(path)
        html = "text/html; charset=utf-8"
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", render.robots_txt(self.faults.disallow)
        if parts.path in ("/sch/i.html", "/sch/"):
            return 200, html, self._search_page(parse_qs(parts.query))
        if m := _DESC_RE.match(parts.path):
            listing = self.by_id.get(m["id"])
            if listing:
                return 200, html, render.description_page(listing)
        elif m := _ITEM_RE.match(parts.path):
            listing = self.by_id.get(m["id"])
            if listing:
                layout = self.item_layout_for(listing)
                return 200, html, render.item_page(listing, base_url=self.base_url, layout=layout)
        elif parts.path == "/":
            url = render.search_url(self.base_url, "cars", 1)
            return (
                200,
                html,
                f'<!DOCTYPE html><html><body><a href="{url}">Cars &amp; Trucks</a></body></html>',
            )
        return 404, html, render.error_page(404, "The page you are looking for was not found.")

    def _search_page(self, params: dict[str, list[str]]) -> str:
        query = params.get("_nkw", [""])[0]
        page = _int_param(params, "_pgn", 1, 1, 10_000)
        per_page = params.get("_ipg") and _int_param(params, "_ipg", self.page_size, 1, MAX_PAGE_SIZE)
        size = per_page or self.page_size
        matches = self.search(query)
        rows = matches[(page - 1) * size : page * size]
        return render.search_page(
            rows,
            base_url=self.base_url,
            query=query,
            page=page,
            total=len(matches),
            page_size=size,
            layout=self.layout_for(page),
            per_page=per_page or None,
        )


def _int_param(params: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(params.get(name, [str(default)])[0])))
    except ValueError:
        return default


class _Handler(BaseHTTPRequestHandler):
    site: SandboxServer
    protocol_version = "HTTP/1.1"
    server_version = "carner-sandbox/0.1"
    disable_nagle_algorithm = True  # headers and body are two writes: Nagle + delayed ACK cost 40 ms each

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        site = self.site
        arrived = time.time()
        path = self.path
        eligible = urlsplit(path).path != "/robots.txt"
        fault, detail = site._plan.next_fault() if eligible and site.faults.faults else (None, 0.0)
        status, ctype, body = site.route(path)
        headers: dict[str, str] = {}
        if fault == "reset":
            site.request_log.append(RequestRecord(self.command, path, None, fault, arrived))
            self._reset()
            return
        if fault == "429":
            status, body = 429, render.error_page(429, "Too Many Requests")
            headers["Retry-After"] = str(site.faults.retry_after_s)
        elif fault in ("500", "503"):
            status = int(fault)
            body = render.error_page(
                status, "Internal Server Error" if status == 500 else "Service Unavailable"
            )
        elif fault == "block":
            status, ctype, body = 200, "text/html; charset=utf-8", render.block_page()
        data = body.encode("utf-8")
        if fault == "truncate" and status == 200:
            data = data[: max(1, int(len(data) * (0.3 + 0.4 * detail)))]
        site.request_log.append(RequestRecord(self.command, path, status, fault, arrived))
        if fault == "slow":  # logged first: the client has usually given up before the answer goes out
            time.sleep(site.faults.slow_s)
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. timed out on `slow`)
            self.close_connection = True

    def _reset(self) -> None:
        """Abort the TCP connection (RST) so the client sees a reset, not a response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
