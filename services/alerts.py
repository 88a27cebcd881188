"""The Supervision alert feed: what needs an operator's eyes now."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Bin, Commune, ForecastRow
from db.types import utcnow
from services.bins import Thresholds

LEVEL_ORDER = {"danger": 0, "warning": 1, "info": 2}


def latest_alerts(
    session: Session,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
    limit: int = 30,
) -> list[dict]:
    """Alerts from the current bin states, most serious and most recent first."""
    thresholds, now = thresholds or Thresholds(), now or utcnow()
    fresh = Bin.last_measured_at >= now - thresholds.silent_after
    rules = [
        ("danger", "Débordement", fresh & (Bin.last_fill_pct >= 100)),
        (
            "warning",
            "Seuil de collecte dépassé",
            fresh
            & (Bin.last_fill_pct >= thresholds.alert_sql())
            & (Bin.last_fill_pct < 100),
        ),
        (
            "warning",
            "Débordement prévu",
            fresh
            & (Bin.last_fill_pct < thresholds.alert_sql())
            & (ForecastRow.overflow_eta <= now + thresholds.forecast_horizon),
        ),
        ("warning", "Bac basculé ou couvercle ouvert", fresh & Bin.last_tilt.is_(True)),
        ("info", "Erreur de mesure du capteur", fresh & Bin.last_error.is_(True)),
        (
            "info",
            "Batterie faible",
            Bin.last_battery_pct < thresholds.low_battery_pct,
        ),
        (
            "info",
            "Capteur silencieux",
            Bin.last_measured_at < now - thresholds.silent_after,
        ),
    ]
    alerts = []
    for level, title, condition in rules:
        rows = session.execute(
            select(
                Bin.code,
                Bin.last_fill_pct,
                Bin.last_measured_at,
                Bin.last_battery_pct,
                Commune.name,
                ForecastRow.overflow_eta,
            )
            .join(Commune, Commune.insee == Bin.commune_insee)
            .outerjoin(ForecastRow, ForecastRow.bin_id == Bin.id)
            .where(condition)
            .order_by(Bin.last_measured_at.desc())
            .limit(limit)
        )
        alerts.extend(
            {
                "level": level,
                "title": title,
                "code": code,
                "commune": commune,
                "fill_pct": fill,
                "battery_pct": battery,
                "time": measured_at,
                "overflow_eta": eta,
            }
            for code, fill, measured_at, battery, commune, eta in rows
        )
    alerts.sort(
        key=lambda a: (LEVEL_ORDER[a["level"]], -(a["time"] or now).timestamp())
    )
    return alerts[:limit]


def incident_alerts(
    session: Session, now: datetime | None = None, limit: int = 10, targets=None
) -> list[dict]:
    """High-severity incidents not yet in intervention, received in the last 24 h
    or past a deadline (anonymous), with how late they are."""
    from sqlalchemy import or_

    from db.models import Incident
    from services.incident_deadlines import (
        Targets,
        deadline_state,
        overdue_any_condition,
    )
    from services.incidents import CATEGORIES, HIGH_SEVERITIES, SEVERITIES

    now, targets = now or utcnow(), targets or Targets()
    rows = session.execute(
        select(
            Incident.id,
            Incident.category,
            Incident.severity,
            Incident.status,
            Incident.created_at,
            Commune.name,
        )
        .join(Commune, Commune.insee == Incident.commune_insee)
        .where(
            Incident.severity.in_(HIGH_SEVERITIES),
            Incident.status.in_(("nouveau", "pris_en_compte")),
            or_(
                Incident.created_at >= now - timedelta(hours=24),
                overdue_any_condition(targets, now),
            ),
        )
        .order_by(Incident.created_at.desc())
        .limit(limit)
    )
    return [
        {
            "level": "danger",
            "title": f"Incident : {CATEGORIES.get(category, category)}",
            "incident_id": key,
            "code": None,
            "commune": commune,
            "fill_pct": None,
            "battery_pct": None,
            "time": created_at,
            "severity": SEVERITIES.get(severity, severity),
            "new": status == "nouveau",
            "late": deadline_state(created_at, severity, status, targets, now)["late"],
        }
        for key, category, severity, status, created_at, commune in rows
    ]
