"""What /systeme shows: workers, broker, throughput, dead letters, jobs, database."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.models import DeadLetter, JobRun
from db.types import utcnow
from services import ingest_stats, job_status, service_status

DB_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Windows offered for the dead letters chart (label, duration).
WINDOWS = {
    "1h": ("dernière heure", timedelta(hours=1)),
    "24h": ("dernières 24 h", timedelta(hours=24)),
    "7j": ("7 derniers jours", timedelta(days=7)),
    "30j": ("30 derniers jours", timedelta(days=30)),
}
DEFAULT_WINDOW = "24h"

SOURCE_LABELS = {
    "native": "Capteurs (JSON natif)",
    "tts": "The Things Stack (LoRaWAN)",
    "vigilance": "Signalements vigilance",
    "other": "Sujets non reconnus",
    "simulator": "Simulateur intégré",
}


def latest_dead_letters(session: Session, limit: int = 200) -> list[dict]:
    rows = session.scalars(
        select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    )
    return [
        {
            "received_at": d.received_at,
            "topic": d.topic,
            "reason": d.reason,
            "payload_excerpt": d.payload_excerpt[:200],
            "payload_size": d.payload_size,
        }
        for d in rows
    ]


def recent_job_runs(session: Session, limit: int = 20) -> list[JobRun]:
    """The latest runs of scheduled jobs, newest first."""
    return list(
        session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(limit))
    )


def dead_letters_by_reason(session: Session, since: datetime) -> list[tuple[str, int]]:
    rows = session.execute(
        select(DeadLetter.reason, func.count())
        .where(DeadLetter.received_at >= since)
        .group_by(DeadLetter.reason)
        .order_by(func.count().desc())
        .limit(15)
    )
    return [(reason, count) for reason, count in rows]


def _sources(last: dict, per_minute: list[dict], now: datetime) -> list[dict]:
    """Per source: its last message and what the last hour brought."""
    hour = {}
    for row in per_minute:
        counts = hour.setdefault(row["source"], dict.fromkeys(ingest_stats.FIELDS, 0))
        for name in ingest_stats.FIELDS:
            counts[name] += row[name]
    return [
        {
            "source": SOURCE_LABELS.get(s, s),
            "age_s": (now - t).total_seconds(),
            "last": t,
            **hour.get(s, dict.fromkeys(ingest_stats.FIELDS, 0)),
        }
        for s, t in sorted(last.items())
    ]


def db_round_trip_ms(session: Session) -> float:
    """A timed `SELECT 1` from this (web) process: what a page waits for at least."""
    started = time.perf_counter()
    session.execute(text("SELECT 1")).scalar()
    return (time.perf_counter() - started) * 1000


def system_overview(
    session: Session,
    settings: dict,
    now: datetime | None = None,
    window: str = DEFAULT_WINDOW,
):
    """Everything the /systeme page needs, in one dict (raises if the DB is down)."""
    now = now or utcnow()
    latency_ms = db_round_trip_ms(session)
    last = ingest_stats.last_message_by_source(session)
    label, span = WINDOWS.get(window, WINDOWS[DEFAULT_WINDOW])
    dialect = session.get_bind().dialect.name
    per_minute = ingest_stats.per_minute(session, now - timedelta(hours=1))
    return {
        "now": now,
        "mqtt_enabled": bool(settings.get("MQTT_URL")),
        "ingest": service_status.read(session, service_status.INGEST, now),
        "workers": service_status.ingest_workers(session, now),
        "db": {"type": DB_LABELS.get(dialect, dialect), "latency_ms": latency_ms},
        "jobs": job_status.jobs_summary(
            session, job_status.job_intervals(settings), now
        ),
        "per_minute": per_minute,
        "totals": ingest_stats.totals(session),
        "sources": _sources(last, per_minute, now),
        "dead_reasons": dead_letters_by_reason(session, now - span),
        "dead_window": label,
    }
