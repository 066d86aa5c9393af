"""The model server under load: requests/s and latency p50/p95/p99 for 1, 8 and 32 clients.

    .venv/bin/python bench/serve.py [--workdir DIR] [--build DIR] [--seconds 5] [--md docs/results/serve.md]

For the champion of each kind in DIR's registry (`--workdir`), or else for two models trained here
in about a minute on sandbox listings (a spaCy baseline and a soft student taught by the gold spans),
it starts the real `carner serve-model` process on 127.0.0.1 and drives it from this process with
keep-alive HTTP/1.1 connections (asyncio, one connection per client, each sending its next request
when the last is answered). Two request shapes: one title, and a batch of 64 titles. Then the
fairness probe: one-title requests sent while one maximal request (the most tokens the limits
accept) is being answered; its figure is how much later they are answered than alone. For scale,
the model's own speed is timed in this process first (titles/s one at a time and in batches of 32).

The client shares the machine with the server: on a 2-core machine it takes CPU the server could use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO_ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 8, 32)
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


# ------------------------------------------------------------------------------------------ models
def build_models(root: Path, n: int = 600, seed: int = 0) -> dict[str, Path]:
    """A spaCy baseline (the training chain's step) and a soft student trained on `n` sandbox listings
    (reused when present)."""
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.dataset import build_dataset, records_from_listings

    from bench.common import chain_baseline

    listings = generate_listings(n, seed=seed)
    if not (root / "data" / "dataset.json").is_file():
        build_dataset(records_from_listings(listings), root / "data", 0.25, seed)
    baseline, _ = chain_baseline(root / "data", root, epochs=10, seed=seed)
    out = {"baseline": baseline, "student-soft": root / "student-soft"}
    if not (out["student-soft"] / "metrics.json").is_file():
        train_soft_from_gold(listings, out["student-soft"], seed)
    return out


def train_soft_from_gold(listings: list[Any], out_dir: Path, seed: int) -> None:
    """A soft student whose "teacher distributions" are the gold tags (one-hot): no teacher needed."""
    import numpy as np
    from carner.annotation.labels import order_labels
    from carner.training.label import LabelledText
    from carner.training.student_soft import SoftStudentConfig, train_soft_student
    from carner.training.tokens import bio_labels, model_words, spans_to_bio

    spans = [sorted(tuple(s) for s in x.title_spans) for x in listings]
    labels = order_labels({lab for row in spans for _, _, lab in row})
    tags = bio_labels(labels)
    index = {t: i for i, t in enumerate(tags)}
    records = []
    for item, row in zip(listings, spans, strict=True):
        words = model_words(item.title)
        probs = np.zeros((len(words), len(tags)), dtype=np.float32)
        for i, tag in enumerate(spans_to_bio(words, [list(s) for s in row])):
            probs[i, index.get(tag, 0)] = 1.0
        records.append(LabelledText(item.title, [tuple(s) for s in row], words, probs))
    cfg = SoftStudentConfig(epochs=6, progress=False, threads=1, seed=seed)
    train_soft_student(cfg, records, labels, out_dir)


def registry_champions(workdir: Path) -> dict[str, Path]:
    """The champion model directory of each kind in `workdir`'s registry."""
    from carner.db import model_runs
    from carner.db.engine import open_session

    from carner.common.settings import get_settings

    with open_session(get_settings(workdir=workdir).database_url) as session:
        return {kind: Path(run.path) for kind, run in sorted(model_runs.champions(session).items())}


# ------------------------------------------------------------------------------------------ server
class Server:
    """`carner serve-model --model DIR --port 0` in a child process."""

    def __init__(self, model_dir: Path, env: dict[str, str] | None = None) -> None:
        cmd = [sys.executable, "-c", "from carner.cli import main; main()"]
        self.proc = subprocess.Popen(
            [*cmd, "serve-model", "--model", str(model_dir), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        match = re.search(r"http://([\d.]+):(\d+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"serve-model did not start: {line!r}")
        self.host, self.port = match.group(1), int(match.group(2))

    def health(self) -> dict[str, Any]:
        import requests

        return requests.get(f"http://{self.host}:{self.port}/health", timeout=10).json()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


# ------------------------------------------------------------------------------------------ client
def request_bytes(body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        "POST /predict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(q: float) -> float:
            return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else float("nan")

        errors = sum(n for s, n in self.statuses.items() if s != 200)
        kinds = ", ".join(f"{n} x {s}" for s, n in sorted(self.statuses.items()) if s != 200)
        return {
            "requests": len(lat),
            "requests_per_s": round(len(lat) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "errors": errors,
            "error_statuses": kinds,
        }


async def one_request(reader: Any, writer: Any, raw: bytes) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    match = _LENGTH.search(head)
    if match is None:
        raise RuntimeError(f"an answer without Content-Length: {head[:200]!r}")
    body = await reader.readexactly(int(match.group(1)))
    return int(head[9:12]), body


async def client(host: str, port: int, payloads: list[bytes], start: int, until: float, run: Run) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            status, _ = await one_request(reader, writer, payloads[i % len(payloads)])
            run.latencies.append(time.perf_counter() - t0)
            run.statuses[status] += 1
            i += 1
    finally:
        writer.close()


async def load(host: str, port: int, payloads: list[bytes], clients: int, seconds: float) -> Run:
    """`clients` connections sending requests back to back for `seconds` (after a 0.5 s warm-up)."""
    warm = Run()
    await asyncio.gather(
        *(client(host, port, payloads, c, time.perf_counter() + 0.5, warm) for c in range(clients))
    )
    run = Run()
    started = time.perf_counter()
    await asyncio.gather(
        *(client(host, port, payloads, c * 7, started + seconds, run) for c in range(clients))
    )
    run.seconds = time.perf_counter() - started
    return run


async def fairness(host: str, port: int, title: bytes, big: bytes) -> dict[str, Any]:
    """One-title latency alone, then while one maximal request is answered beside it."""
    reader, writer = await asyncio.open_connection(host, port)
    alone = []
    for _ in range(30):
        t0 = time.perf_counter()
        await one_request(reader, writer, title)
        alone.append(time.perf_counter() - t0)
    big_reader, big_writer = await asyncio.open_connection(host, port)
    t_big = time.perf_counter()
    big_task = asyncio.create_task(one_request(big_reader, big_writer, big))
    await asyncio.sleep(0.02)
    beside = []
    while not big_task.done():
        t0 = time.perf_counter()
        await one_request(reader, writer, title)
        beside.append(time.perf_counter() - t0)
    big_status, _ = await big_task
    big_s = time.perf_counter() - t_big
    writer.close()
    big_writer.close()
    base = statistics.median(alone)
    return {
        "big_status": big_status,
        "big_s": round(big_s, 2),
        "alone_p50_ms": round(base * 1000, 1),
        "beside_n": len(beside),
        "beside_max_ms": round(max(beside) * 1000, 1) if beside else float("nan"),
        "max_delay_ms": round((max(beside) - base) * 1000, 1) if beside else float("nan"),
    }


def maximal_texts(limits: dict[str, Any]) -> list[str]:
    """The most tokens the limits accept in one request: texts of words at the per-text token limit."""
    per_text = min(limits["max_text_tokens"], limits["max_text_chars"] // 3)
    n = min(limits["max_batch"], limits["max_request_tokens"] // per_text)
    return [("ab " * per_text).strip()] * n


# ------------------------------------------------------------------------------------------ report
def model_speed(model_dir: Path, titles: list[str]) -> dict[str, float]:
    """Titles/s of the model alone (in this process, spans with confidences as the server answers)."""
    from carner.training.models import load_model
    from carner.training.scored import predict_scored

    model = load_model(model_dir)
    predict_scored(model, titles[:8])
    speed = {}
    for batch in (1, 32):
        n = 64 if batch == 1 else 256
        t0 = time.perf_counter()
        for i in range(0, n, batch):
            predict_scored(model, titles[i : i + batch])
        speed[f"batch{batch}"] = round(n / (time.perf_counter() - t0), 1)
    return speed


def bench_model(kind: str, model_dir: Path, titles: list[str], seconds: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"model": kind, "speed": model_speed(model_dir, titles)}]
    print(json.dumps(rows[-1]), flush=True)
    server = Server(model_dir)
    try:
        limits = server.health()["limits"]
        ones = [request_bytes({"text": t}) for t in titles[:256]]
        batches = [request_bytes({"texts": titles[i : i + 64]}) for i in range(0, 256, 64)]
        for shape, payloads in (("1 title", ones), ("64 titles", batches)):
            for n in CLIENTS:
                run = asyncio.run(load(server.host, server.port, payloads, n, seconds))
                rows.append({"model": kind, "request": shape, "clients": n, **run.row()})
                print(json.dumps(rows[-1]), flush=True)
        big = request_bytes({"texts": maximal_texts(limits)})
        huge = request_bytes({"texts": ["ab " * 666 + "ab"] * 64})  # 64 x 2,000 characters of words
        probe = asyncio.run(fairness(server.host, server.port, ones[0], big))
        probe["big_tokens"] = sum(len(t.split()) for t in maximal_texts(limits))
        probe["huge_status"] = asyncio.run(fairness_status(server.host, server.port, huge))
        probe["limits"] = limits
        rows.append({"model": kind, "fairness": probe})
        print(json.dumps(rows[-1]), flush=True)
    finally:
        server.stop()
    return rows


async def fairness_status(host: str, port: int, raw: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    status, _ = await one_request(reader, writer, raw)
    writer.close()
    return status


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def markdown(rows: list[dict[str, Any]], command: str, note: str) -> str:
    load1, load5, _ = os.getloadavg()
    lines = [
        "# Model server under load",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load1:.2f} / {load5:.2f} (1 / 5 min) when the table was written",
        f"- commit: {git_commit()}",
        f"- command: `{command}`",
        f"- {note}" if note else "",
        "",
        "| model | request | clients | requests/s | p50 ms | p95 ms | p99 ms | requests | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "request" in r:
            lines.append(
                f"| {r['model']} | {r['request']} | {r['clients']} | {r['requests_per_s']} | {r['p50_ms']} | "
                f"{r['p95_ms']} | {r['p99_ms']} | {r['requests']} | {r['error_statuses'] or 0} |"
            )
    limits = next((r["fairness"]["limits"] for r in rows if "fairness" in r), {})
    lines += [
        "",
        "One-title requests beside one maximal request (the most tokens the limits accept; limits: "
        + ", ".join(f"{k} {v}" for k, v in limits.items())
        + "):",
        "",
        "| model | maximal request | its time s | one title alone p50 ms | beside it, slowest ms "
        "| delay ms | 64 x 2,000 chars of words |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if "fairness" in r:
            f = r["fairness"]
            lines.append(
                f"| {r['model']} | {f['big_tokens']} tokens, HTTP {f['big_status']} | {f['big_s']} | "
                f"{f['alone_p50_ms']} | {f['beside_max_ms']} ({f['beside_n']} requests) | "
                f"{f['max_delay_ms']} | HTTP {f['huge_status']} |"
            )
    lines += [
        "",
        "The model alone, in the bench's process (spans with confidences, as the server answers):",
        "",
        "| model | titles/s, one at a time | titles/s, batches of 32 |",
        "|---|---:|---:|",
    ]
    for r in rows:
        if "speed" in r:
            lines.append(f"| {r['model']} | {r['speed']['batch1']} | {r['speed']['batch32']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="bench the champions of this registry")
    parser.add_argument("--build", type=Path, default=None, help="where to train the bench's own models")
    parser.add_argument("--listings", type=int, default=600, help="sandbox listings to train them on")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per row")
    parser.add_argument("--kinds", default="", help="comma-separated kinds to bench (default: all)")
    parser.add_argument("--md", type=Path, default=None, help="write the Markdown table here")
    parser.add_argument("--note", default="", help="a line added to the Markdown (e.g. machine load)")
    args = parser.parse_args(argv)

    if args.workdir is not None:
        models = registry_champions(args.workdir)
    else:
        models = build_models(
            args.build or Path(tempfile.mkdtemp(prefix="carner-bench-serve-")), args.listings
        )
    if args.kinds:
        models = {k: v for k, v in models.items() if k in args.kinds.split(",")}
    from carner.scraper.sandbox.generator import generate_listings

    titles = [x.title for x in generate_listings(256, seed=12345)]
    rows = []
    for kind, model_dir in models.items():
        rows += bench_model(kind, model_dir, titles, args.seconds)
    command = shlex.join(["python", "bench/serve.py", *(argv if argv is not None else sys.argv[1:])])
    text = markdown(rows, command.strip(), args.note)
    print(text)
    if args.md is not None:
        from carner.training.artifacts import atomic_write_text

        atomic_write_text(args.md, text)
    return rows


if __name__ == "__main__":
    main()
