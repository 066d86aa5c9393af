"""The `pipeline` deployment run by a real `process` worker of a real Prefect server.

What a team does on several machines, on one: `prefect server start` (own PREFECT_HOME, free port),
`prefect work-pool create carner-process --type process`, `prefect deploy --name pipeline` from the
checked-in prefect.yaml, `prefect worker start --pool carner-process` — all subprocesses — then a
flow run created through the REST API with the sandbox site, a work directory and the database
(PostgreSQL where a server can be started here, else SQLite) as parameters. The worker runs it in a
subprocess of its own; the test checks the run Completed on that pool and that its outputs exist.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from carner.db.engine import make_engine, session_factory
from carner.db.models import Listing, ModelRun
from sqlalchemy import func, select

from tests.support.postgres import postgres_available
from tests.support.prefect_server import (
    create_flow_run,
    prefect_env,
    prefect_server,
    prefect_worker,
    run_cli,
    tail,
    wait_for_flow_run,
)

REPO = Path(__file__).resolve().parents[2]
POOL = "carner-process"  # the pool prefect.yaml names
N_LISTINGS = 24

pytestmark = pytest.mark.slow


@pytest.fixture
def pipeline_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database the worker's flow run writes: PostgreSQL (shared by machines) where available."""
    if postgres_available() is None:
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'work' / 'carner.db'}"


def test_pipeline_deployment_runs_on_a_process_worker(tmp_path: Path, pipeline_db: str) -> None:
    from carner.scraper.sandbox.server import SandboxServer

    started = time.monotonic()
    workdir = tmp_path / "work"
    home = tmp_path / "prefect-home"
    with SandboxServer(n_listings=N_LISTINGS, seed=9, page_size=12) as site, prefect_server(home) as api:
        env = prefect_env(home, api, PWD=str(REPO))  # prefect.yaml's pull step: {{ $PWD }}
        run_cli(["work-pool", "create", POOL, "--type", "process"], env)
        deployed = run_cli(["deploy", "--name", "pipeline"], env, cwd=REPO)
        assert "pipeline/pipeline" in deployed, deployed
        up = time.monotonic() - started

        parameters = {
            "queries": ["cars"],
            "max_pages": 3,
            "base_url": site.base_url,
            "simulate_sandbox": {"n_listings": N_LISTINGS, "seed": 9},
            "plan": {"kinds": ["baseline"], "baseline_epochs": 2, "speed_texts": 8},
            "workdir": str(workdir),
            "db_url": pipeline_db,
            "min_delay_s": 0.0,
        }
        run = create_flow_run(api, "pipeline", "pipeline", parameters)
        with prefect_worker(env, POOL, tmp_path / "worker.log", cwd=tmp_path) as worker:
            final = wait_for_flow_run(api, run["id"], timeout=240)
            assert worker.poll() is None, f"worker died: {tail(tmp_path / 'worker.log')}"
        worker_log = tail(tmp_path / "worker.log", 20000)

    assert final["state"]["type"] == "COMPLETED", (final["state"], worker_log[-4000:])
    assert final["work_pool_name"] == POOL and final["infrastructure_pid"], final
    assert run["id"] in worker_log  # this worker picked it up
    # The outputs the run wrote: listings in the database, the npy dataset, a champion, the report.
    engine = make_engine(pipeline_db)
    try:
        with session_factory(engine)() as session:
            assert session.scalar(select(func.count(Listing.id))) == N_LISTINGS
            runs = session.scalars(select(ModelRun)).all()
    finally:
        engine.dispose()
    assert [(r.kind, r.champion) for r in runs] == [("baseline", True)]
    assert Path(runs[0].path).is_dir()
    for name in ("text_train.npy", "labels_train.npy", "text_test.npy", "labels_test.npy", "dataset.json"):
        assert (workdir / name).is_file(), name
    assert json.loads((workdir / "dataset.json").read_text())
    assert (workdir / "reports" / "report.md").is_file()
    print(f"server + pool + deploy {up:.1f} s; whole test {time.monotonic() - started:.1f} s")
