"""One polite HTTP session for every request carner makes to eBay (or the sandbox).

Politeness is on by default and not optional per request: a User-Agent naming carner, robots.txt
honoured (Protego, fetched once per host; a disallowed URL is never requested), a minimum delay
between requests to one host (and robots.txt's Crawl-delay), a timeout on every request.
Transient failures are retried by urllib3's `Retry` (429/5xx with exponential backoff + jitter,
`Retry-After` obeyed, connection resets and read timeouts); a body that arrives cut short (shorter
than its Content-Length, or HTML without `</html>`) is re-fetched by tenacity — unless every try
brings the same bytes (two tries at least), which is the page as served. Every retry and every
wait is counted in `HttpStats` so a crawl can report it and tests can check it.

Failures say their real cause (`describe_network_error`: "connection refused", "DNS lookup
failed"), robots.txt that cannot be fetched raises `Unreachable` (not "disallowed"), a body over
`max_body_bytes` is refused unread ("too-large"), and no message carries URL credentials.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from carner.common.redact import redact

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "carner/0.1 (+https://github.com/carner/carner; research NER crawler)"
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass
class HttpConfig:
    """Politeness and retry settings (defaults are what a real eBay crawl should use)."""

    user_agent: str = DEFAULT_USER_AGENT
    min_delay_s: float = 1.0
    timeout_s: float = 15.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max_s: float = 60.0
    backoff_jitter_s: float = 0.5
    retry_after_max_s: int = 300
    respect_robots: bool = True
    honor_crawl_delay: bool = True
    max_crawl_delay_s: float = 30.0
    # A page larger than this is not read further: recorded as failed (real eBay pages are 0.5-2 MB).
    max_body_bytes: int = 16 * 1024 * 1024


@dataclass(frozen=True)
class Wait:
    """One pause the session made: why, how long, before which URL."""

    reason: str  # "retry-after" | "backoff" | "rate-limit" | "refetch"
    seconds: float
    url: str | None = None


@dataclass
class HttpStats:
    """Counters of one session's life; crawl results and tests read them."""

    requests: int = 0  # logical fetches (get() calls that reached the network)
    retries: int = 0  # re-sent requests, for any reason
    retry_reasons: Counter[str] = field(default_factory=Counter)
    waits: list[Wait] = field(default_factory=list)
    rate_wait_s: float = 0.0
    disallowed: list[str] = field(default_factory=list)
    robots_fetched: list[str] = field(default_factory=list)
    errors: int = 0
    # Counters are bumped from every thread of a parallel crawl (`CrawlConfig.workers`).
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def retry_after_waits(self) -> list[Wait]:
        return [w for w in self.waits if w.reason == "retry-after"]


@dataclass(frozen=True)
class FetchResult:
    """A response whose body arrived whole."""

    url: str
    final_url: str
    status: int
    content: bytes
    headers: dict[str, str]
    fetched_at: datetime
    elapsed_s: float
    retries: int

    @property
    def text(self) -> str:
        match = re.search(r"charset=([\w-]+)", self.headers.get("content-type", ""), re.IGNORECASE)
        try:
            return self.content.decode(match.group(1) if match else "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


class FetchError(RuntimeError):
    """A URL could not be fetched whole after every retry (the message says why, without secrets).

    `kind` tells the crawler what to do: "network" (DNS, refused, reset, timeout: the site may be
    down), "incomplete" (bodies kept arriving cut short), "too-large" (over `max_body_bytes`: a
    poison page, never retried), "robots" (robots.txt unreachable: nothing may be fetched).
    """

    def __init__(self, url: str, reason: str, kind: str = "network") -> None:
        url, reason = redact(url), redact(reason)
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.kind = kind


class Disallowed(FetchError):
    """robots.txt forbids this URL for our User-Agent; it was not requested."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "disallowed by robots.txt", kind="disallowed")


class Unreachable(FetchError):
    """robots.txt could not be fetched (host down, DNS, 5xx): RFC 9309 says fetch nothing; say why."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, kind="robots")


def describe_network_error(exc: BaseException) -> str:
    """A short cause for a requests/urllib3 failure: "connection refused", "DNS lookup failed", ...

    requests wraps the socket error several levels deep in a long message (pool, URL, object
    reprs); a user needs the cause first.
    """
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        nxt = seen.__cause__ or seen.__context__
        if nxt is None and seen.args and isinstance(seen.args[0], BaseException):
            nxt = seen.args[0]
        reason = getattr(seen, "reason", None)
        if nxt is None and isinstance(reason, BaseException):
            nxt = reason
        seen = nxt
    text = " ".join(f"{type(e).__name__}: {e}" for e in chain)
    lowered = text.lower()
    if (
        "nameresolution" in lowered
        or "name or service not known" in lowered
        or "getaddrinfo" in lowered
        or "temporary failure in name resolution" in lowered
        or "nodename nor servname" in lowered
    ):
        return "DNS lookup failed (host not found)"
    if "connection refused" in lowered or "errno 111" in lowered:
        return "connection refused (is the site up?)"
    if "timed out" in lowered or "timeout" in lowered:
        return "timed out"
    if "reset by peer" in lowered or "remotedisconnected" in lowered or "connection aborted" in lowered:
        return "connection reset by the server"
    if "ssl" in lowered or "certificate" in lowered:
        return "TLS/SSL error"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


class TruncatedBody(Exception):
    """The body is shorter than announced or HTML ends before `</html>`: fetch again.

    `result` is what arrived, kept for a page that ends without `</html>` the same way every time.
    """

    def __init__(self, message: str, cut: str = "short", result: FetchResult | None = None) -> None:
        super().__init__(message)
        self.cut = cut
        self.result = result


class _CountingRetry(Retry):
    """urllib3 Retry that reports every retry and every sleep to an `HttpStats`."""

    stats: HttpStats | None = None

    def new(self, **kw: Any) -> _CountingRetry:
        retry = super().new(**kw)
        retry.stats = self.stats
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        new: Retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.stats is not None:
            reason = (
                f"status {response.status}"
                if response is not None and error is None
                else type(error).__name__
            )
            with self.stats.lock:
                self.stats.retries += 1
                self.stats.retry_reasons[reason] += 1
        return new

    def _last_url(self) -> str | None:
        return self.history[-1].url if self.history else None

    def sleep_for_retry(self, response: Any) -> bool:
        seconds = self.get_retry_after(response)
        slept = super().sleep_for_retry(response)
        if slept and self.stats is not None:
            self.stats.waits.append(Wait("retry-after", float(seconds or 0.0), self._last_url()))
        return slept

    def _sleep_backoff(self) -> None:
        seconds = self.get_backoff_time()
        super()._sleep_backoff()
        if seconds > 0 and self.stats is not None:
            self.stats.waits.append(Wait("backoff", seconds, self._last_url()))


_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S
)


def ends_early(content: bytes) -> bool:
    """An HTML document that starts as one but never reaches `</html>`: cut short in transfer (or, if
    every fetch brings the same bytes, served that way)."""
    if not _HTML_START.match(content[:4096]):
        return False
    return _HTML_END.search(content[-65536:]) is None and _HTML_END.search(content) is None


def _truncation(response: requests.Response) -> str | None:
    """ "short" (body shorter than its Content-Length), "no-end" (HTML never reaching `</html>`), or None."""
    if response.status_code != 200:
        return None
    content = response.content
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and not response.headers.get("Content-Encoding") and int(declared) > len(content):
        return "short"
    if "html" in response.headers.get("Content-Type", "text/html").lower() and ends_early(content):
        return "no-end"
    return None


def _is_body_error(exc: BaseException) -> bool:
    """Errors while reading a body that started: re-fetch (urllib3 only retries before the body)."""
    if isinstance(exc, TruncatedBody | requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        inner = exc.args[0]
        return isinstance(inner, ReadTimeoutError | ProtocolError)
    return False


def _same_body_twice(hashes: list[str]) -> bool:
    """At least two attempts, all with the same body: the page as served, not a cut transfer."""
    return len(hashes) >= 2 and len(set(hashes)) == 1


class PoliteSession:
    """requests.Session wrapper: robots.txt, per-host delay, retries with backoff, counted waits.

    Thread-safe for the bookkeeping; one instance per crawl. Use as a context manager to close it.
    """

    def __init__(self, config: HttpConfig | None = None, *, sleep: Any = time.sleep) -> None:
        self.config = config or HttpConfig()
        self.stats = HttpStats()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, Any] = {}
        self.session = requests.Session()
        self.session.headers.update(
            {"User-Agent": self.config.user_agent, "Accept-Language": "en-US,en;q=0.8"}
        )
        adapter = HTTPAdapter(max_retries=self._retry())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _retry(self) -> _CountingRetry:
        retry = _CountingRetry(
            total=self.config.max_retries,
            connect=self.config.max_retries,
            read=self.config.max_retries,
            status=self.config.max_retries,
            other=0,
            allowed_methods=frozenset({"GET", "HEAD"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.config.backoff_factor,
            backoff_max=self.config.backoff_max_s,
            backoff_jitter=self.config.backoff_jitter_s,
            respect_retry_after_header=True,
            retry_after_max=self.config.retry_after_max_s,
            raise_on_status=False,
        )
        retry.stats = self.stats
        return retry

    # ------------------------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------- robots
    @staticmethod
    def _host(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def robots_for(self, url: str) -> Any:
        """Parsed robots.txt of the URL's host (fetched on first use; None when it allows everything)."""
        from protego import Protego

        host = self._host(url)
        with self._lock:
            if host in self._robots:
                return self._robots[host]
        robots_url = f"{host}/robots.txt"
        # RFC 9309: robots.txt unreachable (5xx, network) means "assume complete disallow": nothing is
        # fetched, and every refusal says the real cause (the host is down), not "disallowed".
        parsed: Any
        try:
            result = self._fetch(robots_url)
        except FetchError as exc:
            log.warning("robots.txt of %s unreachable (%s): fetching nothing", redact(host), exc.reason)
            parsed = Unreachable(robots_url, f"robots.txt unreachable: {exc.reason}")
        else:
            self.stats.robots_fetched.append(robots_url)
            if result.status == 200:
                parsed = Protego.parse(result.text)
            elif 400 <= result.status < 500:
                parsed = None  # no robots.txt: everything allowed
            else:
                log.warning(
                    "robots.txt of %s answered HTTP %s: fetching nothing", redact(host), result.status
                )
                parsed = Unreachable(robots_url, f"robots.txt answered HTTP {result.status}")
        with self._lock:
            self._robots[host] = parsed
        return parsed

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets carner's User-Agent fetch `url`; raises `Unreachable` without one."""
        if not self.config.respect_robots:
            return True
        robots = self.robots_for(url)
        if isinstance(robots, Unreachable):
            raise robots
        return robots is None or bool(robots.can_fetch(url, self.config.user_agent))

    def _delay_for(self, host: str) -> float:
        delay = self.config.min_delay_s
        robots = self._robots.get(host)
        if self.config.honor_crawl_delay and robots is not None and not isinstance(robots, Unreachable):
            crawl_delay = robots.crawl_delay(self.config.user_agent)
            if crawl_delay:
                delay = max(delay, min(float(crawl_delay), self.config.max_crawl_delay_s))
        return delay

    def _reserve_slot(self, host: str) -> tuple[float, float]:
        """Reserve this request's start slot on `host` (monotonic time) and say how long to wait for it.

        Slots are absolute and handed out under a lock, each `delay` after the previous one, so
        parallel fetchers never start closer than the limit allows, and a late wake-up does not
        shift the slots after it.
        """
        with self._lock:
            delay = self._delay_for(host)
            now = time.monotonic()
            last = self._last_request.get(host)
            wait = 0.0 if last is None else max(0.0, last + delay - now)
            self._last_request[host] = now + wait  # our slot: the next caller waits `delay` after it
        return now + wait, wait

    def _wait_turn(self, url: str) -> None:
        """Block until the host's minimum delay since our previous request has passed."""
        _, wait = self._reserve_slot(self._host(url))
        if wait > 0:
            with self.stats.lock:
                self.stats.rate_wait_s += wait
            self._sleep(wait)

    # -------------------------------------------------------------------------------------- fetch
    def _send(self, url: str) -> FetchResult:
        self._wait_turn(url)
        started = time.monotonic()
        before = self.stats.retries
        try:
            response = self.session.get(url, timeout=self.config.timeout_s, stream=True)
            with response:
                self._read_capped(url, response)
        except requests.exceptions.RequestException as exc:
            if _is_body_error(exc):
                raise
            raise FetchError(url, describe_network_error(exc)) from exc
        with response:
            result = FetchResult(
                url=url,
                final_url=response.url,
                status=response.status_code,
                content=response.content,
                headers={k.lower(): v for k, v in response.headers.items()},
                fetched_at=datetime.now(UTC),
                elapsed_s=time.monotonic() - started,
                retries=self.stats.retries - before,
            )
            cut = _truncation(response)
            if cut is not None:
                raise TruncatedBody(f"{url}: body cut short ({len(response.content)} bytes)", cut, result)
            return result

    def _read_capped(self, url: str, response: requests.Response) -> None:
        """Read the body, at most `max_body_bytes` of it: a bigger page is a poison page, not data."""
        cap = self.config.max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            reason = f"page of {int(declared):,} bytes is over the {cap:,}-byte limit"
            raise FetchError(url, reason, "too-large")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > cap:
                raise FetchError(url, f"page is over the {cap:,}-byte limit", "too-large")
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what `response.content` returns from now on

    def _fetch(self, url: str) -> FetchResult:
        """GET with urllib3 retries, re-fetching truncated bodies with tenacity."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

        def _before_sleep(state: Any) -> None:
            with self.stats.lock:
                self.stats.retries += 1
                self.stats.retry_reasons[type(state.outcome.exception()).__name__] += 1
            seconds = state.next_action.sleep if state.next_action else 0.0
            self.stats.waits.append(Wait("refetch", float(seconds), url))

        with self.stats.lock:
            self.stats.requests += 1
        retrying = Retrying(
            stop=stop_after_attempt(self.config.max_retries + 1),
            wait=wait_exponential_jitter(
                initial=self.config.backoff_factor,
                max=self.config.backoff_max_s,
                jitter=self.config.backoff_jitter_s,
            ),
            retry=retry_if_exception(_is_body_error),
            before_sleep=_before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        cut_bodies: list[str] = []  # hash of each attempt's body that ended without </html>

        def send(url: str) -> FetchResult:
            try:
                return self._send(url)
            except TruncatedBody as exc:
                if exc.cut == "no-end" and exc.result is not None:
                    cut_bodies.append(hashlib.sha256(exc.result.content).hexdigest())
                raise

        try:
            return retrying(send, url)
        except TruncatedBody as exc:
            # Every attempt, and at least two, brought the very same bytes without </html>: a transfer
            # cut off at random never does that; the page is complete as served. Store it instead of
            # retrying forever. One attempt proves nothing (`max_retries=0`): a cut page is never
            # taken as complete, it fails as "incomplete" and the crawl fetches it again next run.
            if exc.cut == "no-end" and exc.result is not None and _same_body_twice(cut_bodies):
                log.warning("%s: same page without </html> on every try: taking it as complete", redact(url))
                return exc.result
            with self.stats.lock:
                self.stats.errors += 1
            raise FetchError(
                url, f"incomplete body after {self.config.max_retries} re-fetches", "incomplete"
            ) from exc
        except FetchError:
            with self.stats.lock:
                self.stats.errors += 1
            raise
        except Exception as exc:
            if _is_body_error(exc):
                with self.stats.lock:
                    self.stats.errors += 1
                reason = f"incomplete body after {self.config.max_retries} re-fetches"
                raise FetchError(url, reason, "incomplete") from exc
            raise

    def get(self, url: str) -> FetchResult:
        """Fetch `url` politely. Raises `Disallowed` (never sent) or `FetchError` (gave up).

        A final non-2xx status (e.g. 404, or 503 after every retry) is returned, not raised: the
        caller decides; the raw page is worth keeping either way.
        """
        if not self.allowed(url):
            self.stats.disallowed.append(url)
            log.info("robots.txt disallows %s: skipped", redact(url))
            raise Disallowed(url)
        return self._fetch(url)
