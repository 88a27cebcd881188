"""Incident reads for /vigilance: filtered and paged in SQL, points, one incident.

No function here returns the reporter reference: it is read only through
`incident_lifecycle.read_reporter_ref`, which writes the read to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Commune, Incident
from db.types import utcnow
from services.incident_deadlines import (
    Targets,
    deadline_state,
    overdue_any_condition,
    overdue_counts,
)
from services.incident_lifecycle import OPEN_STATUSES
from services.incidents import CATEGORIES, HIGH_SEVERITIES, SEVERITIES

PERIODS = {"24h": 1, "7j": 7, "30j": 30, "365j": 365}
PERIOD_LABELS = {
    "24h": "Dernières 24 h",
    "7j": "7 derniers jours",
    "30j": "30 derniers jours",
    "365j": "12 derniers mois",
}
SORTABLE = {
    "id": Incident.id,
    "ts": Incident.ts,
    "category": Incident.category,
    "severity": Incident.severity,
    "status": Incident.status,
    "commune_name": Commune.name,
    "assignee": Incident.assignee,
}
MAX_POINTS = 3000


@dataclass(frozen=True)
class IncidentFilter:
    commune: str | None = None
    category: str | None = None
    status: str | None = None
    severity: str | None = None
    period: str | None = None

    def conditions(self, now: datetime, targets: Targets | None = None) -> list:
        """SQL conditions; « en_retard » needs the targets (open and past due)."""
        where = []
        if self.commune:
            where.append(Incident.commune_insee == self.commune)
        if self.category:
            where.append(Incident.category == self.category)
        if self.status == "ouverts":
            where.append(Incident.status.in_(OPEN_STATUSES))
        elif self.status == "en_retard":
            where.append(overdue_any_condition(targets or Targets(), now))
        elif self.status:
            where.append(Incident.status == self.status)
        if self.severity:
            where.append(Incident.severity == self.severity)
        if self.period in PERIODS:
            where.append(Incident.ts >= now - timedelta(days=PERIODS[self.period]))
        return where


def _row(incident: Incident, commune: str, targets: Targets, now) -> dict:
    state = deadline_state(
        incident.created_at, incident.severity, incident.status, targets, now
    )
    return {
        "id": incident.id,
        "report_id": incident.report_id,
        "ts": incident.ts,
        "created_at": incident.created_at,
        "category": incident.category,
        "category_label": CATEGORIES.get(incident.category, incident.category),
        "severity": incident.severity,
        "severity_label": SEVERITIES.get(incident.severity, incident.severity),
        "status": incident.status,
        "commune_insee": incident.commune_insee,
        "commune_name": commune,
        "lat": incident.lat,
        "lon": incident.lon,
        "source": incident.source,
        "assignee": incident.assignee,
        "duplicate_of_id": incident.duplicate_of_id,
        "acknowledged_at": incident.acknowledged_at,
        "overdue": state["ack_late"] is not None,
        **state,
    }


def list_incidents(
    session: Session,
    filters: IncidentFilter,
    targets: Targets,
    limit: int = 100,
    offset: int = 0,
    sort: list[tuple[str, bool]] | None = None,
    now: datetime | None = None,
) -> tuple[list[dict], int]:
    """One page of incidents (newest first by default) and the filtered total."""
    now = now or utcnow()
    where = filters.conditions(now, targets)
    total = session.scalar(select(func.count(Incident.id)).where(*where))
    order = [
        SORTABLE[key].asc() if ascending else SORTABLE[key].desc()
        for key, ascending in sort or []
        if key in SORTABLE
    ]
    rows = session.execute(
        select(Incident, Commune.name)
        .join(Commune, Commune.insee == Incident.commune_insee)
        .where(*where)
        .order_by(*order, Incident.ts.desc(), Incident.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_row(i, name, targets, now) for i, name in rows], total


def incident_points(
    session: Session, filters: IncidentFilter, targets: Targets | None = None, now=None
) -> dict:
    """GeoJSON points of the filtered incidents (newest first, capped)."""
    now = now or utcnow()
    rows = session.execute(
        select(
            Incident.id,
            Incident.lat,
            Incident.lon,
            Incident.category,
            Incident.severity,
            Incident.status,
        )
        .where(*filters.conditions(now, targets))
        .order_by(Incident.ts.desc())
        .limit(MAX_POINTS)
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": key,
                    "c": CATEGORIES.get(category, category),
                    "g": severity,
                    "s": status,
                },
            }
            for key, lat, lon, category, severity, status in rows
        ],
    }


def get_incident(session: Session, incident_id: int, targets, now=None) -> dict | None:
    """One incident with its free text (callers show it only to allowed roles)."""
    row = session.execute(
        select(Incident, Commune.name)
        .join(Commune, Commune.insee == Incident.commune_insee)
        .where(Incident.id == incident_id)
    ).first()
    if row is None:
        return None
    item = _row(row[0], row[1], targets, now or utcnow())
    item["description"] = row[0].description
    item["has_reporter"] = row[0].reporter_ref is not None
    item["erased"] = row[0].erased_at is not None
    return item


def vigilance_kpis(session: Session, targets: Targets, now=None) -> dict:
    now = now or utcnow()
    open_ = session.scalar(
        select(func.count()).where(Incident.status.in_(OPEN_STATUSES))
    )
    high = session.scalar(
        select(func.count()).where(
            Incident.status.in_(OPEN_STATUSES),
            Incident.severity.in_(HIGH_SEVERITIES),
        )
    )
    today = session.scalar(
        select(func.count()).where(Incident.created_at >= now - timedelta(hours=24))
    )
    late = overdue_counts(session, targets, now)
    return {
        "open": open_,
        "high": high,
        "overdue": late["ack"],
        "overdue_resolve": late["resolve"],
        "last_24h": today,
    }


def nearest_bin_code(
    session: Session, lat: float, lon: float, radius_m: float = 150.0
) -> str | None:
    """The code of the closest bin within `radius_m` of a point (a few metres off)."""
    from math import cos, radians

    from db.models import Bin

    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(cos(radians(lat)), 0.1))
    rows = session.execute(
        select(Bin.code, Bin.lat, Bin.lon).where(
            Bin.lat.between(lat - dlat, lat + dlat),
            Bin.lon.between(lon - dlon, lon + dlon),
        )
    ).all()
    best, best_d = None, None
    for code, blat, blon in rows:
        dy = (blat - lat) * 111_320
        dx = (blon - lon) * 111_320 * cos(radians(lat))
        distance = (dx * dx + dy * dy) ** 0.5
        if distance <= radius_m and (best_d is None or distance < best_d):
            best, best_d = code, distance
    return best
