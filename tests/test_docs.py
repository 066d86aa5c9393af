"""Every command and code block of the README and docs/ runs as written.

The convention, for anyone writing docs:

- ```` ```console ```` blocks are commands; ```` ```python ```` blocks are Python. Both are run, in the
  order of their file, in one bash session per file (so `export`, `cd` and background jobs carry over)
  in an empty scratch directory, with `carner` and `python` being this checkout.
- ```` ```text ```` blocks are output, diagrams or syntax: never run.
- A block that cannot run here is preceded by `<!-- not-run: KEY -->`; `NOT_RUN` below says why for each
  KEY (and which test covers it instead). Any other fence, or an unknown KEY, fails this test.
- `SCALED` lists the only commands run smaller than written, with the reason.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

NOT_RUN = {
    "install": "creates a virtualenv and installs from PyPI: .ci/run runs exactly this in a fresh "
    "virtualenv; tests/test_packaging.py builds and checks the wheel",
    "doccano": "needs a running doccano server (its own virtualenv): tests/annotation/test_sync.py and "
    "tests/annotation/test_autolabel.py make these calls against a real doccano 1.8.4 (-m doccano)",
    "doccano-file": "needs an export downloaded from doccano: docs/usage.md imports a carner export the "
    "same way, tests/annotation/test_doccano.py imports doccano's own sample exports",
    "postgres": "needs PostgreSQL and a Prefect server on other hosts: tests/db/test_postgres_concurrency.py "
    "and tests/flows/test_workpool.py run the same steps on one machine",
    "prefect-server": "needs a Prefect server and worker machines: tests/flows/test_workpool.py starts a "
    "server and a process worker and deploys prefect.yaml",
    "gpu": "needs a machine with a GPU",
    "dask-cluster": "needs a trained teacher and a Dask cluster: tests/flows/test_runners.py runs "
    "run_label_parallel on local Dask processes",
    "real-titles-csv": "needs the third-party CSV of real titles, not part of the repository: "
    "tests/annotation/test_real_gold.py runs it where the CSV is present",
}
SCALED = {
    # the full demo takes about 5 minutes on 2 cores; 40 listings run the same chain in about 2
    "carner demo": "carner demo --listings 40",
}
RUN = {"console", "python"}
OUTPUT = {"text"}
MARKER = re.compile(r"<!--\s*not-run:\s*([\w-]+)\s*-->")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")


@dataclass
class Block:
    doc: Path
    line: int
    lang: str
    code: str
    not_run: str | None

    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the not-run marker of the line before each."""
    found: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang = m.group(1), m.group(2)
        previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.search(previous)
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        code = "\n".join(line[len(indent) :] for line in lines[i + 1 : end])
        found.append(Block(doc, i + 1, lang, code, marker.group(1) if marker else None))
        i = end + 1
    return found


def test_every_block_is_classed() -> None:
    problems = []
    for doc in DOCS:
        for b in blocks(doc):
            if b.lang not in RUN | OUTPUT:
                problems.append(f"{b.where()}: fence '{b.lang or '(none)'}': use console, python or text")
            if b.not_run is not None and b.not_run not in NOT_RUN:
                problems.append(f"{b.where()}: not-run key {b.not_run!r} has no reason in NOT_RUN")
        text = doc.read_text(encoding="utf-8")
        lines = text.splitlines()
        indented = [n for n, line in enumerate(lines, 1) if re.match(r"^    (carner|python) ", line)]
        problems += [f"{doc.relative_to(ROOT)}:{n}: indented command: use a fenced block" for n in indented]
    assert not problems, "\n".join(problems)


def test_no_history_or_private_paths_in_docs() -> None:
    """Docs speak to users: no issue numbers, no work history, no paths only the developers have."""
    # "session" as work history, not a `session` argument or SQLAlchemy's Session in code
    pattern = re.compile(
        r"\bissue[- ]?\d+|(?<![(\w`])sessions?\b(?![,)=`])|\.\./shared|/work/", re.IGNORECASE
    )
    hits = [
        f"{doc.relative_to(ROOT)}:{n}: {line.strip()[:80]}"
        for doc in DOCS
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not hits, "\n".join(hits)


def _champion_paths_supported() -> bool:
    """Whether the registry keeps `models/<kind>/champion`: the blocks that use it run only then."""
    return bool(re.search(r"[\"']champion[\"']", (ROOT / "training" / "registry.py").read_text("utf-8")))


def script(doc: Path) -> tuple[str, list[str]]:
    """One bash script running the file's blocks in order; and the blocks left out (where, why)."""
    parts = [
        "set -euo pipefail",
        "trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT",
    ]
    left_out = []
    champion = _champion_paths_supported()
    for n, b in enumerate(blocks(doc)):
        if b.lang not in RUN:
            continue
        if b.not_run is not None:
            left_out.append(f"{b.where()}: {NOT_RUN[b.not_run]}")
            continue
        if "/champion" in b.code and not champion:
            left_out.append(f"{b.where()}: the registry of this build keeps no models/<kind>/champion path")
            continue
        parts.append(f"echo {shlex.quote(f'--- {b.where()}')} >&2")
        if b.lang == "python":
            parts.append(f"python - <<'CARNER_DOCS_{n}'\n{b.code}\nCARNER_DOCS_{n}")
        else:
            code = b.code
            for written, run in SCALED.items():
                code = re.sub(rf"^{re.escape(written)}$", run, code, flags=re.MULTILINE)
            parts.append(code)
    return "\n".join(parts) + "\n", left_out


def _environment(tmp: Path) -> dict[str, str]:
    shims = tmp / "bin"
    shims.mkdir()
    for name, target in (("carner", f"{sys.executable} -m carner"), ("python", sys.executable)):
        (shims / name).write_text(f'#!/bin/sh\nexec {target} "$@"\n')
        (shims / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARNER_", "PREFECT_"))}
    env.update(
        PATH=f"{shims}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        PREFECT_HOME=str(tmp / ".prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        COLUMNS="80",
    )
    return env


RUNNABLE = [d for d in DOCS if any(b.lang in RUN and b.not_run is None for b in blocks(d))]


@pytest.mark.slow
@pytest.mark.parametrize("doc", RUNNABLE, ids=lambda d: str(d.relative_to(ROOT)))
def test_doc_runs_as_written(doc: Path, tmp_path: Path) -> None:
    text, left_out = script(doc)
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "docs.sh").write_text(text, encoding="utf-8")
    try:
        done = subprocess.run(
            ["bash", str(tmp_path / "docs.sh")],
            cwd=work,
            env=_environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=1200,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{doc.name}: blocks did not finish in {exc.timeout} s:\n{(exc.stderr or '')[-3000:]}")
    started = re.findall(r"^--- (\S+)$", done.stderr, flags=re.MULTILINE)
    assert done.returncode == 0, (
        f"block at {started[-1] if started else '?'} failed (exit {done.returncode}):\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-4000:]}"
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-4000:]
    runnable = [b for b in blocks(doc) if b.lang in RUN]
    assert len(started) + len(left_out) == len(runnable)
    if left_out:
        warnings.warn(f"{doc.name}: not run here:\n" + "\n".join(left_out), stacklevel=1)
