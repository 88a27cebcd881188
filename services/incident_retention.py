"""RGPD retention of incidents: erase reporter references and free text after N days.

The anonymous facts (time, category, severity, position, commune, status, the
trail of actions) stay for statistics; what could identify someone goes.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import select, update

from db.engine import Database
from db.models import Incident, IncidentEvent
from db.types import utcnow

DEFAULT_RETENTION_DAYS = 365
BATCH = 1000


def retention_days(settings: dict | None = None) -> int:
    value = (settings or {}).get("INCIDENT_RETENTION_DAYS") or os.environ.get(
        "INCIDENT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS
    )
    days = int(value)
    if days < 1:
        raise ValueError("INCIDENT_RETENTION_DAYS doit être au moins 1")
    return days


def erase_personal_data(
    database: Database, settings: dict | None = None, now: datetime | None = None
) -> str:
    """Erase reporter_ref, description and comments of incidents past retention."""
    now = now or utcnow()
    days = retention_days(settings)
    limit = now - timedelta(days=days)
    erased = 0
    while True:
        with database.session() as session:
            ids = list(
                session.scalars(
                    select(Incident.id)
                    .where(Incident.ts < limit, Incident.erased_at.is_(None))
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            session.execute(
                update(Incident)
                .where(Incident.id.in_(ids))
                .values(reporter_ref=None, description=None, erased_at=now)
            )
            session.execute(
                update(IncidentEvent)
                .where(IncidentEvent.incident_id.in_(ids))
                .values(comment=None)
            )
            session.add_all(
                IncidentEvent(
                    incident_id=key,
                    at=now,
                    actor="rétention",
                    action="effacement_rgpd",
                    detail=f"données personnelles effacées après {days} jours",
                )
                for key in ids
            )
        erased += len(ids)
    return f"{erased} incidents anonymisés (plus de {days} jours)"
