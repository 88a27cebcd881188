"""Vigilance aggregates for the summary: counts, median delays, share overdue.

Only aggregates leave here (no reporter, no text, no position). The incident
tables belong to the vigilance module; without them this returns None.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import models
from db.models import Commune
from db.types import utcnow

DEFAULT_TARGET = timedelta(hours=2)


def _labels() -> dict[str, str]:
    try:
        from services.incidents import CATEGORIES
    except ImportError:
        return {}
    return CATEGORIES


def _targets(settings: dict | None) -> dict[str, timedelta]:
    try:
        from services.incident_lifecycle import ack_targets
    except ImportError:  # the vigilance module is not there yet
        return {}
    return ack_targets(settings)


def vigilance_period(
    session: Session, period, insee: str | None = None, settings: dict | None = None
) -> dict | None:
    """Incidents of the period by category, median delays (minutes, hours) and
    the share acknowledged late or still waiting past its target."""
    incident = getattr(models, "Incident", None)
    if incident is None:
        return None
    event = getattr(models, "IncidentEvent", None)
    query = select(
        incident.id,
        incident.category,
        incident.severity,
        incident.created_at,
        incident.acknowledged_at,
        incident.commune_insee,
    ).where(
        incident.created_at >= period.start,
        incident.created_at < period.end,
        incident.duplicate_of_id.is_(None),
    )
    if insee is not None:
        query = query.where(incident.commune_insee == insee)
    rows = session.execute(query).all()
    resolved = {}
    if event is not None and rows:
        resolved = dict(
            session.execute(
                select(event.incident_id, func.min(event.at))
                .where(
                    event.to_status == "resolu",
                    event.incident_id.in_([r.id for r in rows]),
                )
                .group_by(event.incident_id)
            ).all()
        )
    targets, now, labels = _targets(settings), utcnow(), _labels()
    names = dict(session.execute(select(Commune.insee, Commune.name)).all())
    ack, fix, late = [], [], 0
    for row in rows:
        target = targets.get(row.severity, DEFAULT_TARGET)
        if row.acknowledged_at is not None:
            waited = row.acknowledged_at - row.created_at
            ack.append(waited.total_seconds() / 60)
        else:
            waited = now - row.created_at
        late += waited > target
        if row.id in resolved:
            fix.append((resolved[row.id] - row.created_at).total_seconds() / 3600)
    return {
        "incidents": len(rows),
        "by_category": [
            (labels.get(category, category), n)
            for category, n in Counter(r.category for r in rows).most_common()
        ],
        "by_commune": [
            (names.get(insee, insee), n)
            for insee, n in Counter(r.commune_insee for r in rows).most_common(10)
        ],
        "median_ack_min": round(median(ack)) if ack else None,
        "median_resolve_h": round(median(fix), 1) if fix else None,
        "overdue_share": round(late / len(rows) * 100, 1) if rows else None,
    }
