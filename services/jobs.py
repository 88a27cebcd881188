"""Scheduled jobs (APScheduler, worker process only), each run once at a time.

Every run takes the job's database lock (so several workers never run it twice),
is recorded in job_runs (shown on /systeme), and a failure is logged and retried
once a minute later; it never stops the scheduler.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import func, select

from db.engine import Database
from db.models import DeadLetter, JobRun
from db.types import utcnow
from services import ingest_stats
from services.job_lock import job_lock

log = logging.getLogger(__name__)
DEAD_LETTER_RETENTION = timedelta(days=30)
STATS_RETENTION = timedelta(days=30)
JOB_RUN_RETENTION = timedelta(days=7)
RETRY_AFTER = timedelta(minutes=1)
# Several schedulers (workers) tick at their own times: a job done by another one
# less than this share of its interval ago is not run again.
RECENT_SHARE = 0.9
# Heavy jobs wait a while after start, so a (re)started worker first serves ingest.
FIRST_RUN_AFTER = {
    "qualite-previsions": timedelta(minutes=10),
    "rapports-mensuels": timedelta(minutes=15),
    "retention": timedelta(minutes=1),
    "retention-incidents": timedelta(minutes=2),
}


def purge_technical_data(database: Database) -> str:
    """Drop dead letters, counters and job runs past their retention."""
    now = utcnow()
    with database.session() as session:
        dead = session.execute(
            DeadLetter.__table__.delete().where(
                DeadLetter.received_at < now - DEAD_LETTER_RETENTION
            )
        ).rowcount
        stats = ingest_stats.purge(session, STATS_RETENTION, now)
        runs = session.execute(
            JobRun.__table__.delete().where(JobRun.started_at < now - JOB_RUN_RETENTION)
        ).rowcount
    return f"{dead} messages refusés, {stats} compteurs, {runs} exécutions supprimés"


def _evaluate(database: Database, settings: dict) -> str:
    from services.forecast_jobs import evaluate_forecasts

    table = evaluate_forecasts(database, settings)
    return f"évaluation des prévisions : {len(table)} lignes"


def _ran_recently(database: Database, name: str, within: timedelta) -> bool:
    with database.session() as session:
        last = session.scalar(
            select(func.max(JobRun.started_at)).where(
                JobRun.job == name, JobRun.status == "ok"
            )
        )
    return last is not None and utcnow() - last < within


def run_job(
    database: Database,
    name: str,
    work: Callable[[], str],
    min_interval: timedelta | None = None,
) -> str:
    """Run `work` under the job's lock and record the outcome; returns the status.

    With `min_interval`, a run is skipped when another scheduler completed the job
    more recently than that: several workers started at different times then run
    each periodic job once per period, not once per worker.
    """
    run = JobRun(
        job=name, started_at=utcnow(), status="en_cours", host=socket.gethostname()
    )
    with job_lock(database, name) as held:
        if not held:
            log.info("tâche %s déjà en cours ailleurs : ignorée", name)
            return "ignore"
        if min_interval is not None and _ran_recently(database, name, min_interval):
            log.info("tâche %s faite récemment par un autre worker : ignorée", name)
            return "ignore"
        run.started_at = utcnow()
        with database.session() as session:
            session.add(run)
        try:
            detail, status = work(), "ok"
        except Exception as error:  # logged, recorded, retried; the scheduler goes on
            log.exception("échec de la tâche %s", name)
            detail, status = f"{type(error).__name__} : {error}"[:500], "erreur"
        with database.session() as session:
            row = session.get(JobRun, run.id)
            row.finished_at, row.status, row.detail = utcnow(), status, detail[:500]
    return status


def register_jobs(scheduler: BaseScheduler, database: Database, settings: dict) -> None:
    """Add the periodic jobs; a failed run is retried once a minute later."""
    from services.forecast_jobs import refresh_forecasts
    from services.incident_retention import erase_personal_data
    from services.opendata_store import refresh as refresh_opendata
    from services.reports import monthly_reports_job

    jobs = {
        "retention": (lambda: purge_technical_data(database), {"hours": 1}),
        "retention-incidents": (
            lambda: erase_personal_data(database, settings),
            {"hours": 6},
        ),
        "qualite-previsions": (
            lambda: _evaluate(database, settings),
            {"hours": 24},
        ),
        "rapports-mensuels": (
            lambda: monthly_reports_job(database, settings),
            {"hours": 6},
        ),
        "previsions": (
            lambda: refresh_forecasts(database, settings),
            {"minutes": settings["FORECAST_INTERVAL_MIN"]},
        ),
        # Every web worker serves the files this job stores (within a minute).
        "opendata": (
            lambda: refresh_opendata(database),
            {"seconds": settings["OPENDATA_REFRESH_S"]},
        ),
    }

    from services.incident_mail import mail_configured, notify_new_incidents

    if mail_configured(settings):
        jobs["notification-incidents"] = (
            lambda: notify_new_incidents(database, settings),
            {"minutes": 1},
        )

    schedule(scheduler, database, jobs, FIRST_RUN_AFTER)


def schedule(
    scheduler: BaseScheduler,
    database: Database,
    jobs: dict[str, tuple[Callable[[], str], dict]],
    first_run_after: dict[str, timedelta],
) -> None:
    """Add each job every `interval` (APScheduler keywords), run through run_job:
    locked, once per period across workers, retried a minute after a failure."""

    def runner(name: str) -> None:
        work, interval = jobs[name]
        recent = timedelta(**interval) * RECENT_SHARE
        if run_job(database, name, work, min_interval=recent) == "erreur":
            scheduler.add_job(
                runner,
                "date",
                run_date=utcnow() + RETRY_AFTER,
                args=[name],
                id=f"{name}-retry",
                replace_existing=True,
            )

    for name, (_work, interval) in jobs.items():
        first_run = utcnow() + first_run_after.get(name, timedelta(seconds=5))
        scheduler.add_job(
            runner,
            "interval",
            args=[name],
            id=name,
            max_instances=1,
            coalesce=True,
            next_run_time=first_run,
            **interval,
        )
