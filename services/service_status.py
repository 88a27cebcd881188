"""Heartbeats of background services, so any web worker can tell their state.

Each ingest worker beats under its own name, `ingest:<MQTT client id>`, every
HEARTBEAT_S seconds; a row that stopped beating is a worker gone silent ("muet").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import ServiceStatus
from db.types import utcnow
from db.upsert import insert_for

HEARTBEAT_S = 5
DEMO_HISTORY = "demo-history"
INGEST = "ingest"
INGEST_PREFIX = "ingest:"
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_S)
# A worker silent for longer than this is an old one (renamed, removed): not listed.
FORGET_AFTER = timedelta(days=1)
ABSENT = {"state": "absent", "detail": "", "reconnects": 0, "updated_at": None}


def ingest_name(client_id: str) -> str:
    return (INGEST_PREFIX + client_id)[:100]


def beat(
    session: Session,
    name: str,
    state: str,
    *,
    detail: str = "",
    reconnects: int = 0,
    started_at: datetime,
    host: str | None = None,
    state_since: datetime | None = None,
    queue_depth: int | None = None,
    write_ms: float | None = None,
    db_errors: int | None = None,
) -> None:
    """Record the current state of a service."""
    values = {
        "name": name,
        "state": state,
        "detail": detail[:300],
        "reconnects": reconnects,
        "started_at": started_at,
        "updated_at": utcnow(),
        "host": host[:100] if host else host,
        "state_since": state_since,
        "queue_depth": queue_depth,
        "write_ms": write_ms,
        "db_errors": db_errors,
    }
    stmt = insert_for(session, ServiceStatus).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={k: v for k, v in values.items() if k != "name"},
    )
    session.execute(stmt)


def _as_dict(row: ServiceStatus, now: datetime) -> dict:
    age = (now - row.updated_at).total_seconds()
    silent = now - row.updated_at > STALE_AFTER
    return {
        "name": row.name,
        "worker": row.name.removeprefix(INGEST_PREFIX),
        # a worker that stopped beating cannot tell its state: it is "muet"
        "state": "muet" if silent and row.state != "stopped" else row.state,
        "silent": silent,
        "detail": row.detail,
        "reconnects": row.reconnects,
        "updated_at": row.updated_at,
        "started_at": row.started_at,
        "age_s": age,
        "host": row.host,
        # a silent worker's state is known since its last heartbeat only
        "state_since": row.updated_at if silent else row.state_since,
        "queue_depth": row.queue_depth,
        "write_ms": row.write_ms,
        "db_errors": row.db_errors,
    }


def ingest_workers(session: Session, now: datetime | None = None) -> list[dict]:
    """One entry per ingest worker seen in the last day, by name."""
    now = now or utcnow()
    rows = session.scalars(
        select(ServiceStatus)
        .where(
            or_(
                ServiceStatus.name == INGEST,  # written by older versions
                ServiceStatus.name.startswith(INGEST_PREFIX, autoescape=True),
            ),
            ServiceStatus.updated_at >= now - FORGET_AFTER,
        )
        .order_by(ServiceStatus.name)
    )
    return [_as_dict(row, now) for row in rows]


def read(session: Session, name: str, now: datetime | None = None) -> dict:
    """A service's state; a heartbeat too old means the process is gone.

    For "ingest", the state of the ingest as a whole: connected when at least one
    live worker is connected and subscribed; reconnections are summed.
    """
    now = now or utcnow()
    if name == INGEST:
        live = [w for w in ingest_workers(session, now) if not w["silent"]]
        if not live:
            return dict(ABSENT)
        connected = [w for w in live if w["state"] == "connected"]
        best = max(connected or live, key=lambda w: w["updated_at"])
        return {
            "state": best["state"],
            "detail": best["detail"],
            "reconnects": sum(w["reconnects"] for w in live),
            "updated_at": best["updated_at"],
            "started_at": best["started_at"],
        }
    row = session.scalar(select(ServiceStatus).where(ServiceStatus.name == name))
    if row is None:
        return dict(ABSENT)
    state = row.state
    if now - row.updated_at > STALE_AFTER:
        state = "absent"
    return {
        "state": state,
        "detail": row.detail,
        "reconnects": row.reconnects,
        "updated_at": row.updated_at,
        "started_at": row.started_at,
    }
