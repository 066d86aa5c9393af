"""Switchable faults for the sandbox site, parsed from a SPEC such as
`429:0.1,500:0.05,503:0.05,slow:0.05,reset:0.05,truncate:0.05,block:2,disallow:/itm/`.

Each fault takes a rate (a number with a decimal point, 0..1: that share of eligible requests, drawn
from a seeded RNG) or a count (an integer N: the first N eligible requests; several counts are used
up one after another in SPEC order). `disallow:PATH` adds a robots.txt rule instead; `retry_after:S`
and `slow_s:S` tune the 429 Retry-After header and the slow-response delay. Given the seed and the
order in which requests arrive, the faults are deterministic.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

FAULT_KINDS: dict[str, str] = {
    "429": "answer 429 Too Many Requests with a Retry-After header",
    "500": "answer 500 Internal Server Error",
    "503": "answer 503 Service Unavailable",
    "slow": "sleep past the client's timeout before answering",
    "reset": "close the connection without any response",
    "truncate": "cut the HTML document off in the middle",
    "block": "serve eBay's 'Pardon Our Interruption' bot wall with status 200",
}
_SETTINGS = ("retry_after", "slow_s")


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float | None = None  # share of eligible requests
    count: int | None = None  # or: the first `count` eligible requests


@dataclass(frozen=True)
class FaultSpec:
    """Parsed faults; `FaultSpec.parse("")` is the fault-free site."""

    faults: tuple[Fault, ...] = ()
    disallow: tuple[str, ...] = ()
    retry_after_s: int = 1
    slow_s: float = 3.0

    @classmethod
    def parse(cls, spec: str | None, *, retry_after_s: int = 1, slow_s: float = 3.0) -> FaultSpec:
        """Parse a SPEC; a bad item raises ValueError naming it (one line, for the CLI)."""
        faults: list[Fault] = []
        disallow: list[str] = []
        settings: dict[str, float] = {"retry_after": retry_after_s, "slow_s": slow_s}
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, value = item.partition(":")
            name, value = name.strip().lower(), value.strip()
            if not sep or not value:
                raise ValueError(f"fault {item!r}: expected NAME:VALUE (e.g. 429:0.1 or block:2)")
            if name == "disallow":
                if not value.startswith("/"):
                    raise ValueError(f"fault {item!r}: a disallow path must start with '/'")
                disallow.append(value)
            elif name in _SETTINGS:
                settings[name] = _number(item, value, minimum=0.0)
            elif name in FAULT_KINDS:
                faults.append(_fault(item, name, value))
            else:
                known = ", ".join([*FAULT_KINDS, "disallow", *_SETTINGS])
                raise ValueError(f"unknown fault {name!r} in {item!r} (known: {known})")
        total_rate = sum(f.rate or 0.0 for f in faults)
        if total_rate > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total_rate:g} > 1 in {spec!r}")
        return cls(
            faults=tuple(faults),
            disallow=tuple(disallow),
            retry_after_s=int(settings["retry_after"]),
            slow_s=float(settings["slow_s"]),
        )

    def __bool__(self) -> bool:
        return bool(self.faults or self.disallow)


def _number(item: str, value: str, minimum: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"fault {item!r}: {value!r} is not a number") from None
    if number < minimum:
        raise ValueError(f"fault {item!r}: {value!r} must be >= {minimum:g}")
    return number


def _fault(item: str, name: str, value: str) -> Fault:
    if value.isdigit():
        return Fault(name, count=int(value))
    number = _number(item, value, minimum=0.0)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"fault {item!r}: a rate must lie in 0..1 (or give an integer count)")
    return Fault(name, rate=number)


def coerce_spec(faults: None | str | FaultSpec, **settings: float) -> FaultSpec:
    if isinstance(faults, FaultSpec):
        return faults
    return FaultSpec.parse(faults, **settings)  # type: ignore[arg-type]


@dataclass
class FaultPlan:
    """Decides, request by request and thread-safely, which fault (if any) an eligible request gets."""

    spec: FaultSpec
    seed: int = 0
    _rng: random.Random = field(init=False)
    _left: list[int] = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"carner-sandbox-faults:{self.seed}")
        self._left = [f.count or 0 for f in self.spec.faults]

    def next_fault(self) -> tuple[str | None, float]:
        """The fault for the next eligible request and a uniform number for its details (cut point)."""
        with self._lock:
            draw, detail = self._rng.random(), self._rng.random()
            for i, fault in enumerate(self.spec.faults):
                if self._left[i] > 0:
                    self._left[i] -= 1
                    return fault.kind, detail
            cumulative = 0.0
            for fault in self.spec.faults:
                if fault.rate:
                    cumulative += fault.rate
                    if draw < cumulative:
                        return fault.kind, detail
            return None, detail
