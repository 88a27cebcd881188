"""Heartbeats of background services, so any web worker can tell their state."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ServiceStatus
from db.types import utcnow
from db.upsert import insert_for

HEARTBEAT_S = 5
DEMO_HISTORY = "demo-history"
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_S)


def beat(
    session: Session,
    name: str,
    state: str,
    *,
    detail: str = "",
    reconnects: int = 0,
    started_at: datetime,
) -> None:
    """Record the current state of a service."""
    now = utcnow()
    values = {
        "name": name,
        "state": state,
        "detail": detail[:300],
        "reconnects": reconnects,
        "started_at": started_at,
        "updated_at": now,
    }
    stmt = insert_for(session, ServiceStatus).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={k: v for k, v in values.items() if k != "name"},
    )
    session.execute(stmt)


def read(session: Session, name: str, now: datetime | None = None) -> dict:
    """A service's state; a heartbeat too old means the process is gone."""
    now = now or utcnow()
    row = session.scalar(select(ServiceStatus).where(ServiceStatus.name == name))
    if row is None:
        return {"state": "absent", "detail": "", "reconnects": 0, "updated_at": None}
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
