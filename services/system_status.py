"""What /systeme shows: broker, throughput, sources, dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import DeadLetter, JobRun
from db.types import utcnow
from services import ingest_stats, service_status

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


def system_overview(session: Session, mqtt_enabled: bool, now: datetime | None = None):
    """Everything the /systeme page needs, in one dict."""
    now = now or utcnow()
    last = ingest_stats.last_message_by_source(session)
    return {
        "mqtt_enabled": mqtt_enabled,
        "ingest": service_status.read(session, "ingest", now),
        "per_minute": ingest_stats.per_minute(session, now - timedelta(hours=1)),
        "totals": ingest_stats.totals(session),
        "sources": [
            {
                "source": SOURCE_LABELS.get(s, s),
                "age_s": (now - t).total_seconds(),
                "last": t,
            }
            for s, t in sorted(last.items())
        ],
        "dead_reasons": dead_letters_by_reason(session, now - timedelta(hours=24)),
    }
