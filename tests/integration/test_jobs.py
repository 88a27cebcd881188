"""Scheduled jobs: one runner at a time across processes, failures recorded."""

from __future__ import annotations

import threading
import time

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
