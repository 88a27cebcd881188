"""Scheduled jobs: one runner at a time across processes, failures recorded."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from db.engine import Database
from db.models import JobRun
from services.jobs import run_job
from services.setup import prepare_database


def test_two_schedulers_never_run_the_same_job_twice(database_url):
    # Two Database objects = two independent connection pools, as two workers have.
    first, second = Database(database_url), Database(database_url)
    prepare_database(first, {"HYPERVISION_ENV": "production"})
    started = threading.Barrier(2)
    runs, statuses = [], []

    def work() -> str:
        runs.append(threading.get_ident())
        time.sleep(1.0)  # hold the lock while the other scheduler tries
        return "fait"

    def scheduler(database: Database) -> None:
        started.wait()
        statuses.append(run_job(database, "previsions", work))

    threads = [threading.Thread(target=scheduler, args=(db,)) for db in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1
    assert sorted(statuses) == ["ignore", "ok"]
    # Once released, the next run goes ahead.
    assert run_job(second, "previsions", work) == "ok"
    for database in (first, second):
        database.engine.dispose()


def test_a_failing_job_is_recorded_and_does_not_raise(database):
    def broken() -> str:
        raise RuntimeError("base indisponible")

    assert run_job(database, "previsions", broken) == "erreur"
    with database.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == "previsions"))
    assert run.status == "erreur"
    assert "base indisponible" in run.detail
    assert run.finished_at is not None


INTERVAL_S = 3.0


def test_two_scheduler_processes_run_each_job_once_per_period(postgresql_url):
    """Two real worker schedulers (processes) on PostgreSQL, ticking the same jobs
    every 3 s, the second one 1.3 s behind the first: the advisory lock keeps
    runs apart and the recent-run check keeps one run per period, not per worker."""
    database = Database(postgresql_url)
    prepare_database(database, {"HYPERVISION_ENV": "production"})
    names = ["alpha", "beta", "gamma"]
    first_at = time.time() + 3  # both processes are up by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler_process", postgresql_url,
             str(first_at + offset), str(INTERVAL_S), "10", *names],
            stdout=subprocess.PIPE,
            text=True,
        )
        for offset in (0.0, 1.3)
    ]  # fmt: skip
    ticks = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        ticks.extend(json.loads(out.strip().splitlines()[-1]))
    with database.session() as session:
        runs = session.scalars(select(JobRun).order_by(JobRun.started_at)).all()
    for name in names:
        done = [run for run in runs if run.job == name]
        assert all(run.status == "ok" for run in done)
        assert len(done) >= 2
        # Each process ticked about as often as the job ran in all: the other
        # ticks were skipped, so every tick of one process is matched by a skip.
        assert len(done) == sum(1 for n, s in ticks if n == name and s == "ok")
        assert sum(1 for n, s in ticks if n == name and s == "ignore") >= 1
        for before, after in zip(done, done[1:], strict=False):
            assert before.finished_at <= after.started_at  # never two at once
            gap = after.started_at - before.started_at
            assert gap >= timedelta(seconds=INTERVAL_S * 0.9)  # once per period
    database.engine.dispose()
