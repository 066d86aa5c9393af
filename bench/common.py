"""Shared helpers of the bench scripts: stage timing with peak RSS, hashes, slopes and result tables.

Why a child process per measured stage: `ru_maxrss` is a process's lifetime peak, so a stage run in
the same process as the one before it would inherit that one's peak (and Python rarely hands memory
back). `run_stage(..., isolate=True)` runs `module:function(**kwargs)` in a fresh interpreter and
reads back its result, wall time and its own peak RSS; `isolate=False` runs it in-process (the smoke
tests), where the peak is the process's so far and marked as such.

Tables are built once (`ResultTable`) and rendered three ways: Markdown (files, README), JSON (the
raw numbers) and rich (the terminal).
"""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from carner.common.offline import offline_env

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT / ".." / "shared"
DASH = "—"

log = logging.getLogger("bench")


# ------------------------------------------------------------------------------------------ memory
def prefect_env(home: Path) -> None:
    """A private Prefect home, no telemetry (no internet here), quiet logs; before Prefect is imported."""
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """This process's resident set size now, in MB (psutil)."""
    import psutil

    return psutil.Process().memory_info().rss / (1024 * 1024)


class PeakSampler:
    """Peak RSS inside a `with` block, sampled every `interval_s` by a thread (psutil).

    `start_mb` is the RSS on entry, `peak_mb` the highest sample, `seconds` the block's wall time;
    `working_mb` = peak - start is what the block itself needed (short spikes can be missed).
    """

    def __init__(self, interval_s: float = 0.01) -> None:
        self.interval_s = interval_s
        self.start_mb = self.peak_mb = 0.0
        self.seconds = 0.0

    def __enter__(self) -> PeakSampler:
        import threading

        import psutil

        self._proc = psutil.Process()
        self.start_mb = self.peak_mb = self._proc.memory_info().rss / (1024 * 1024)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._t0 = time.perf_counter()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_mb = max(self.peak_mb, self._proc.memory_info().rss / (1024 * 1024))

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._t0
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._proc.memory_info().rss / (1024 * 1024))

    @property
    def working_mb(self) -> float:
        return max(0.0, self.peak_mb - self.start_mb)

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 4),
            "start_rss_mb": round(self.start_mb, 1),
            "peak_rss_mb": round(self.peak_mb, 1),
            "working_mb": round(self.working_mb, 1),
        }


_BASELINE: dict[str, float] = {}


def mark_baseline() -> None:
    """Record the RSS now (after a stage's imports, before its work) to report working memory."""
    _BASELINE["rss_mb"] = current_rss_mb()


# ------------------------------------------------------------------------------------------ stages
@dataclass
class StageRun:
    """One measured call: its JSON-able result, wall seconds and peak RSS."""

    result: Any
    seconds: float
    peak_rss_mb: float
    base_rss_mb: float | None  # RSS after imports, when the stage marked it (mark_baseline)
    isolated: bool


def _resolve(spec: str) -> Callable[..., Any]:
    import importlib

    module_name, func_name = spec.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def run_stage(spec: str, kwargs: dict[str, Any], *, isolate: bool = True) -> StageRun:
    """Call `module:function(**kwargs)` (a JSON-able result), timed, in a child process if `isolate`."""
    if not isolate:
        _BASELINE.clear()
        t0 = time.perf_counter()
        result = _resolve(spec)(**kwargs)
        return StageRun(result, time.perf_counter() - t0, peak_rss_mb(), _BASELINE.get("rss_mb"), False)
    with tempfile.TemporaryDirectory(prefix="carner-bench-stage-") as work:
        args_path, out_path = Path(work) / "args.json", Path(work) / "out.json"
        args_path.write_text(json.dumps({"spec": spec, "kwargs": kwargs}), encoding="utf-8")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "bench.common", str(args_path), str(out_path)], cwd=REPO_ROOT, env=env
        )
        if proc.returncode != 0 or not out_path.is_file():
            raise RuntimeError(f"stage {spec} failed in its child process (exit code {proc.returncode})")
        out = json.loads(out_path.read_text(encoding="utf-8"))
    return StageRun(out["result"], out["seconds"], out["peak_rss_mb"], out.get("base_rss_mb"), True)


def _child(args_path: str, out_path: str) -> None:
    """Entry point of a stage's child process (`python -m bench.common ARGS OUT`)."""
    setup_logging()
    call = json.loads(Path(args_path).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    result = _resolve(call["spec"])(**call["kwargs"])
    seconds = time.perf_counter() - t0
    payload = {
        "result": result,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "base_rss_mb": _BASELINE.get("rss_mb"),
    }
    Path(out_path).write_text(json.dumps(payload, default=str), encoding="utf-8")


def setup_logging(level: int = logging.INFO) -> None:
    """Log lines for the bench's own progress; third-party chatter kept at warnings."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    for noisy in ("httpx", "urllib3", "transformers", "filelock", "prefect", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    offline_env()
    os.environ.setdefault("TQDM_DISABLE", "1")


# ------------------------------------------------------------------------------------------ hashes
def json_hash(obj: Any) -> str:
    """The stage hash of `stages.json`: carner's one key over JSON-able parts (`training.identity.key`)."""
    from carner.training.identity import key

    return key(obj)


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log(y) on log(x): the growth exponent (1 = linear)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    var = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / var if var else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


# ------------------------------------------------------------------------------------------ tables
def fmt(value: Any, spec: str = "{:.3f}") -> str:
    if value is None:
        return DASH
    if isinstance(value, str):
        return value
    return spec.format(value)


@dataclass
class ResultTable:
    """A titled table of pre-formatted cells; `note` is printed under it."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""

    def add(self, *cells: Any) -> None:
        self.rows.append([str(c) for c in cells])

    def to_markdown(self, level: int = 3) -> str:
        lines = [
            f"{'#' * level} {self.title}",
            "",
            "| " + " | ".join(self.headers) + " |",
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.headers))) + "|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines) + "\n"

    def to_rich(self) -> Any:
        from rich.table import Table

        table = Table(title=self.title, caption=self.note or None, caption_justify="left")
        for i, h in enumerate(self.headers):
            table.add_column(h, justify="left" if i == 0 else "right")
        for r in self.rows:
            table.add_row(*r)
        return table


def print_tables(tables: Sequence[ResultTable]) -> None:
    from rich.console import Console

    console = Console(width=max(120, int(os.environ.get("COLUMNS", "0") or 0)))
    for t in tables:
        console.print(t.to_rich())
        console.print()


def write_results(
    out_dir: Path, name: str, tables: Sequence[ResultTable], payload: dict[str, Any], preamble: str = ""
) -> tuple[Path, Path]:
    """`<name>.md` (the tables) and `<name>.json` (the raw numbers plus the tables), atomically."""
    from carner.training.artifacts import atomic_write_text, write_json_atomic

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md = (preamble + "\n" if preamble else "") + "\n".join(t.to_markdown() for t in tables)
    md_path, json_path = out_dir / f"{name}.md", out_dir / f"{name}.json"
    atomic_write_text(md_path, md)
    write_json_atomic(json_path, {**payload, "tables": [asdict(t) for t in tables]})
    return md_path, json_path


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import platform

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 1e9, 1)
    except ImportError:  # pragma: no cover
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
        if names:
            info["cpu"] = names[0]
    except OSError:
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:  # pragma: no cover
        pass
    info["load_avg_at_start"] = os.getloadavg()
    return info


def machine_line(info: dict[str, Any]) -> str:
    load = info.get("load_avg_at_start")
    load_txt = f", load average {load[0]:.1f} at start" if load else ""
    gpu = f"GPU {info['cuda']}" if info.get("cuda") else "no GPU"
    return (
        f"Measured on {info.get('cpu', 'a CPU')} ({info.get('cpus')} cores, "
        f"{info.get('memory_gb', '?')} GB RAM, {gpu}, torch threads {info.get('torch_threads', '?')}), "
        f"Python {info.get('python')}{load_txt}."
    )


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])


def chain_baseline(
    data_dir: Path,
    workdir: Path,
    *,
    epochs: int,
    seed: int,
    overrides: dict[str, Any] | None = None,
    evaluate: bool = True,
    speed: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """The spaCy baseline a bench measures with, trained by the training chain's own baseline step
    (a plan variant: these epochs, seed and config overrides), so its key, output folder and "is it
    done?" check are the chain's; evaluated by the chain's step unless `evaluate` is False (a
    dataset without a test split), timed when `speed`. Returns the model directory and its
    metrics.json (its "training" part: steps, best dev F1, seconds)."""
    from carner.training.chain import run_chain
    from carner.training.metrics import read_metrics
    from carner.training.plan import TrainPlan

    plan = TrainPlan(
        kinds=["baseline"],
        baseline_epochs=epochs,
        baseline_overrides=dict(overrides or {}),
        seed=seed,
        measure_speed=speed,
        promote=False,
    )
    result = run_chain(plan, data_dir, workdir, only=None if evaluate else ["baseline"])
    model = Path(result.steps["baseline"].out)
    return model, read_metrics(model).raw


def parse_key_values(items: Sequence[str], names: set[str]) -> dict[str, Any]:
    """`--set key=value` items as a dict (JSON values: 3, 0.1, null, true, "name"; bare words are
    strings); a key outside `names` exits with the list of known ones."""
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in names:
            raise SystemExit(f"--set {item!r}: expected key=value with key in {', '.join(sorted(names))}")
        try:
            changes[key] = json.loads(raw)
        except json.JSONDecodeError:
            changes[key] = raw
    return changes
