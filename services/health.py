"""System health: database, broker, freshness and counters (/healthz, /systeme)."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select, text

from db.engine import Database
from db.models import Bin
from db.types import utcnow
from services import ingest_stats, service_status


def health(database: Database, mqtt_enabled: bool, now: datetime | None = None) -> dict:
    """The /healthz document; `db` False when the database does not answer."""
    now = now or utcnow()
    try:
        with database.session() as session:
            started = time.perf_counter()
            session.execute(text("SELECT 1"))
            latency_ms = (time.perf_counter() - started) * 1000
            latest = session.scalar(select(func.max(Bin.last_measured_at)))
            counts = ingest_stats.totals(session)
            ingest = service_status.read(session, "ingest", now)
    except Exception:
        return {
            "status": "degraded",
            "db": False,
            "mqtt": "disabled" if not mqtt_enabled else "disconnected",
            "last_reading_age_s": None,
            "ingest": None,
        }
    if not mqtt_enabled:
        mqtt = "disabled"
    else:
        mqtt = "connected" if ingest["state"] == "connected" else "disconnected"
    age = round((now - latest).total_seconds(), 1) if latest else None
    degraded = mqtt == "disconnected"
    return {
        "status": "degraded" if degraded else "ok",
        "db": True,
        "db_latency_ms": round(latency_ms, 2),
        "mqtt": mqtt,
        "last_reading_age_s": age,
        "ingest": counts,
    }
