"""The elected officials' summary: a period and the one before, for the
agglomeration or one commune compared with the agglomeration."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Commune
from db.types import utcnow
from services.bins import Thresholds
from services.collections import savings
from services.health_indicators import coverage, underserved_threshold
from services.periods import current_and_previous
from services.planning import PARIS
from services.summary import health_figures, sensors_out_of_service, waste_period
from services.summary_vigilance import vigilance_period


def today_paris() -> date:
    return utcnow().astimezone(PARIS).date()


def commune_options(session: Session) -> list[dict]:
    return [
        {"label": name, "value": insee}
        for insee, name in session.execute(
            select(Commune.insee, Commune.name).order_by(Commune.name)
        )
    ]


def trend(current, previous) -> float | None:
    """Change in percent against the previous period (None when undefined)."""
    if current is None or previous in (None, 0):
        return None
    return round((current - previous) / previous * 100, 1)


def _scope(session, period, previous, insee, settings, thresholds) -> dict:
    return {
        "waste": waste_period(session, period, insee),
        "waste_before": waste_period(session, previous, insee),
        "sensors_out": sensors_out_of_service(session, thresholds, insee),
        "vigilance": vigilance_period(session, period, insee, settings),
        "vigilance_before": vigilance_period(session, previous, insee, settings),
    }


def build_summary(
    session: Session,
    kind: str,
    insee: str | None,
    settings: dict,
    thresholds: Thresholds,
    today: date | None = None,
) -> dict:
    """Everything /synthese and the monthly report show, as plain data."""
    period, previous = current_and_previous(kind, today or today_paris())
    return summary_for(session, period, previous, insee, settings, thresholds)


def summary_for(session, period, previous, insee, settings, thresholds) -> dict:
    commune = session.get(Commune, insee) if insee else None
    insee = commune.insee if commune else None
    territory = _scope(session, period, previous, None, settings, thresholds)
    result = {
        "period": period,
        "previous": previous,
        "commune": None if commune is None else {"insee": insee, "name": commune.name},
        "territory": territory,
        "local": _scope(session, period, previous, insee, settings, thresholds)
        if insee
        else territory,
        "savings": savings(session, period.first, period.last),
        "savings_before": savings(session, previous.first, previous.last),
        "health": health_figures(
            coverage(session, underserved_threshold(settings)), insee
        ),
    }
    return result
