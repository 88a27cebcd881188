"""Vigilance aggregates for the summary: counts, median delays, share overdue.

An incident counts as overdue when it missed either deadline: acknowledged after
its acknowledgement deadline (or still `nouveau` past it), or resolved after its
resolution deadline (or still open past it). Rejected incidents have no
resolution deadline; duplicates are left out altogether.

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
DEFAULT_RESOLVE = timedelta(hours=72)
OPEN = ("nouveau", "pris_en_compte", "en_intervention")


def _labels() -> dict[str, str]:
    try:
        from services.incidents import CATEGORIES
    except ImportError:
        return {}
    return CATEGORIES


def _targets(settings: dict | None) -> tuple[dict, dict]:
    try:
        from services.incident_deadlines import resolve_targets
        from services.incident_lifecycle import ack_targets
    except ImportError:  # the vigilance module is not there yet
        return {}, {}
    return ack_targets(settings), resolve_targets(settings)


def vigilance_period(
    session: Session, period, insee: str | None = None, settings: dict | None = None
) -> dict | None:
    """Incidents of the period by category, median delays (minutes, hours) and
    the share that missed (or is missing) its acknowledge or resolve deadline."""
    incident = getattr(models, "Incident", None)
    if incident is None:
        return None
    event = getattr(models, "IncidentEvent", None)
    query = select(
        incident.id,
        incident.category,
        incident.severity,
        incident.status,
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
        # First resolution for the median delay, last one for the deadline (a
        # reopened incident is resolved when it is resolved for good).
        resolved = {
            key: (first, last)
            for key, first, last in session.execute(
                select(event.incident_id, func.min(event.at), func.max(event.at))
                .where(
                    event.to_status == "resolu",
                    event.incident_id.in_([r.id for r in rows]),
                )
                .group_by(event.incident_id)
            ).all()
        }
    (ack_targets, fix_targets), now = _targets(settings), utcnow()
    labels = _labels()
    names = dict(session.execute(select(Commune.insee, Commune.name)).all())
    ack, fix, late = [], [], 0
    for row in rows:
        if row.acknowledged_at is not None:
            waited = row.acknowledged_at - row.created_at
            ack.append(waited.total_seconds() / 60)
        else:
            waited = now - row.created_at
        missed = waited > ack_targets.get(row.severity, DEFAULT_TARGET)
        first, last = resolved.get(row.id, (None, None))
        if first is not None:
            fix.append((first - row.created_at).total_seconds() / 3600)
        end = now if row.status in OPEN else last
        if end is not None:
            missed |= end - row.created_at > fix_targets.get(
                row.severity, DEFAULT_RESOLVE
            )
        late += missed
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
