"""Scheduled jobs as /systeme shows them: last run, failures, next run expected."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from db.models import JobRun

log = logging.getLogger(__name__)

FAILED = "erreur"
UNITS = ("weeks", "days", "hours", "minutes", "seconds")


class _IntervalRecorder:
    """Stands in for the scheduler to read the jobs' intervals.

    The web process runs no scheduler; asking `register_jobs` itself gives the
    worker's real intervals instead of a copy that would drift.
    """

    def __init__(self):
        self.intervals: dict[str, timedelta] = {}

    def add_job(self, _func, trigger, **kwargs):
        if trigger == "interval":
            units = {u: kwargs[u] for u in UNITS if u in kwargs}
            self.intervals[kwargs["id"]] = timedelta(**units)


def job_intervals(settings: dict) -> dict[str, timedelta]:
    """Each job's interval; empty (next runs unknown) if registration changed."""
    from services.jobs import register_jobs

    recorder = _IntervalRecorder()
    try:
        register_jobs(recorder, None, settings)
    except Exception:  # the page must not fail for an estimate
        log.warning("intervalles des tâches inconnus", exc_info=True)
    return recorder.intervals


def jobs_summary(
    session: Session, intervals: dict[str, timedelta], now: datetime
) -> list[dict]:
    """One entry per job: its last run, last success, failures in 24 h, next run.

    The next run is the last start plus the interval (the worker may add a retry a
    minute after a failure); a job that never ran has none.
    """
    latest = (
        select(JobRun.job, func.max(JobRun.started_at).label("last"))
        .group_by(JobRun.job)
        .subquery()
    )
    last_runs = {
        run.job: run
        for run in session.scalars(
            select(JobRun).join(
                latest,
                and_(JobRun.job == latest.c.job, JobRun.started_at == latest.c.last),
            )
        )
    }
    last_ok = dict(
        session.execute(
            select(JobRun.job, func.max(JobRun.started_at))
            .where(JobRun.status == "ok")
            .group_by(JobRun.job)
        ).all()
    )
    failures = dict(
        session.execute(
            select(JobRun.job, func.count())
            .where(JobRun.status == FAILED, JobRun.started_at >= now - timedelta(1))
            .group_by(JobRun.job)
        ).all()
    )
    summary = []
    for job in sorted(set(intervals) | set(last_runs)):
        run, interval = last_runs.get(job), intervals.get(job)
        summary.append(
            {
                "job": job,
                "status": run.status if run else None,
                "started_at": run.started_at if run else None,
                "finished_at": run.finished_at if run else None,
                "detail": run.detail if run else "",
                "host": run.host if run else "",
                "last_ok": last_ok.get(job),
                "failures_24h": failures.get(job, 0),
                "interval": interval,
                "next_run": run.started_at + interval if run and interval else None,
            }
        )
    return summary
