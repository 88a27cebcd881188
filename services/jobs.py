"""Scheduled jobs (APScheduler, worker process only): retention of technical data."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from db.engine import Database
from db.models import DeadLetter
from db.types import utcnow
from services import ingest_stats

log = logging.getLogger(__name__)
DEAD_LETTER_RETENTION = timedelta(days=30)
STATS_RETENTION = timedelta(days=30)


def purge_technical_data(database: Database) -> dict:
    """Drop dead letters and counters past their retention."""
    now = utcnow()
    with database.session() as session:
        dead = session.execute(
            DeadLetter.__table__.delete().where(
                DeadLetter.received_at < now - DEAD_LETTER_RETENTION
            )
        ).rowcount
        stats = ingest_stats.purge(session, STATS_RETENTION, now)
    log.info("rétention : %s messages refusés et %s compteurs supprimés", dead, stats)
    return {"dead_letters": dead, "stats": stats}


def register_jobs(scheduler: BaseScheduler, database: Database, settings: dict) -> None:
    scheduler.add_job(
        purge_technical_data,
        "interval",
        hours=1,
        args=[database],
        id="retention",
        max_instances=1,
        coalesce=True,
    )
