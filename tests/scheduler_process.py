"""One scheduler process for test_jobs: `python -m tests.scheduler_process URL
FIRST_AT INTERVAL_S DURATION_S JOB...` schedules the jobs through services.jobs
(the worker's own path) and prints what each tick returned, as JSON."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from db.engine import Database
from services import jobs as jobs_module


def main(url: str, first_at: float, interval_s: float, duration_s: float, names):
    database = Database(url)
    statuses: list[tuple[str, str]] = []
    real_run_job = jobs_module.run_job

    def recorded(database, name, work, min_interval=None):
        status = real_run_job(database, name, work, min_interval)
        statuses.append((name, status))
        return status

    jobs_module.run_job = recorded  # record the outcome of each tick of this process

    def work() -> str:
        time.sleep(1.0)  # long enough for the other scheduler to find it running
        return f"fait par {os.getpid()}"

    scheduler = BackgroundScheduler(timezone="UTC")
    first = datetime.fromtimestamp(first_at, UTC) - datetime.now(UTC)
    jobs = {name: (work, {"seconds": interval_s}) for name in names}
    jobs_module.schedule(scheduler, database, jobs, dict.fromkeys(names, first))
    scheduler.start()
    time.sleep(max(first_at - time.time(), 0) + duration_s)
    scheduler.shutdown(wait=True)
    database.engine.dispose()
    print(json.dumps(statuses))


if __name__ == "__main__":
    url, first_at, interval_s, duration_s, *names = sys.argv[1:]
    main(url, float(first_at), float(interval_s), float(duration_s), names)
