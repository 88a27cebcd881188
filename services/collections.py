"""Crew reports at bins, and what sensor-driven collection saves.

Savings compare the period's real pickups and kilometres with a fixed schedule,
the way PMA collected before sensors. Assumptions (configurable, stated on screen):
- fixed schedule, passes per week: glass 0.5, paper 1, packaging 2, household
  waste 2, grouping points 2, park bins 6;
- baseline kilometres = baseline pickups × the kilometres per pickup of the period's
  optimised plans (conservative: fixed rounds are denser, so fewer km per pickup);
- fuel 55 L/100 km for a refuse truck in collection (order of magnitude) and
  3.17 kg CO2e per litre of road diesel (ADEME Base Carbone, « gazole routier »,
  combustion and upstream; check the version in force).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    Bin,
    CollectionEvent,
    ForecastRow,
    OverflowPrediction,
    Reading,
    RoutePlan,
)
from db.types import utcnow
from services.planning import PARIS, day_bounds

FIXED_PASSES_PER_WEEK = {
    "PAV_VERRE": 0.5,
    "PAV_PAPIER": 1.0,
    "PAV_EMBALLAGES": 2.0,
    "PAV_OM": 2.0,
    "REGROUPEMENT": 2.0,
    "CORBEILLE": 6.0,
}
TRUCK_L_PER_100KM = 55.0
DIESEL_KGCO2E_PER_L = 3.17
STATUSES = {"collecte": "Collecté", "inaccessible": "Inaccessible"}


def record_collection(
    session: Session,
    code: str,
    status: str,
    user: str,
    *,
    plan_id: int | None = None,
    truck: int | None = None,
    comment: str = "",
) -> CollectionEvent:
    """Record a crew's report; a collected bin's forecast restarts from empty."""
    if status not in STATUSES:
        raise ValueError(f"statut inconnu : {status}")
    bin_ = session.scalar(select(Bin).where(Bin.code == code))
    if bin_ is None:
        raise ValueError(f"bac inconnu : {code}")
    now = utcnow()
    event = CollectionEvent(
        bin_id=bin_.id,
        plan_id=plan_id,
        truck=truck,
        status=status,
        comment=comment.strip()[:500],
        fill_before=bin_.last_fill_pct,
        recorded_at=now,
        recorded_by=user,
    )
    session.add(event)
    forecast = session.get(ForecastRow, bin_.id)
    if status == "collecte" and forecast is not None and forecast.rate_pct_per_h > 0:
        # Until the next refresh, the forecast starts again from an empty bin.
        rate = forecast.rate_pct_per_h
        forecast.current_fill = 0.0
        forecast.generated_at = now
        forecast.alert_eta = now + timedelta(hours=80 / rate)
        forecast.overflow_eta = now + timedelta(hours=100 / rate)
    session.flush()
    return event


def collected_codes(session: Session, plan_id: int) -> dict[str, str]:
    """Latest status reported per bin code for a plan."""
    rows = session.execute(
        select(Bin.code, CollectionEvent.status)
        .join(Bin, Bin.id == CollectionEvent.bin_id)
        .where(CollectionEvent.plan_id == plan_id)
        .order_by(CollectionEvent.recorded_at)
    )
    return {code: status for code, status in rows}


def _overflows(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """Bin·days that reached 100 % in the period, and how many of those had been
    predicted before the first full reading of the day."""
    first_full: dict[tuple[int, str], datetime] = {}
    rows = session.execute(
        select(Reading.bin_id, Reading.measured_at)
        .where(
            Reading.measured_at >= start,
            Reading.measured_at < end,
            Reading.fill_pct >= 100,
        )
        .order_by(Reading.measured_at)
    )
    for bin_id, when in rows:
        first_full.setdefault((bin_id, when.astimezone(PARIS).date().isoformat()), when)
    predictions = {
        (bin_id, day): predicted_at
        for bin_id, day, predicted_at in session.execute(
            select(
                OverflowPrediction.bin_id,
                OverflowPrediction.day,
                OverflowPrediction.predicted_at,
            ).where(
                OverflowPrediction.day >= start.astimezone(PARIS).date().isoformat()
            )
        )
    }
    predicted = sum(
        1
        for key, when in first_full.items()
        if key in predictions and predictions[key] < when
    )
    return len(first_full), predicted


def savings(session: Session, first: date, last: date) -> dict:
    """Pickups, km and CO2 of the period against the fixed-schedule baseline."""
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    days = (last - first).days + 1
    pickups = (
        session.scalar(
            select(func.count()).where(
                CollectionEvent.status == "collecte",
                CollectionEvent.recorded_at >= start,
                CollectionEvent.recorded_at < end,
            )
        )
        or 0
    )
    by_kind = session.execute(select(Bin.kind, func.count()).group_by(Bin.kind)).all()
    baseline = sum(n * FIXED_PASSES_PER_WEEK[k] * days / 7 for k, n in by_kind)
    planned = session.execute(
        select(
            func.coalesce(func.sum(RoutePlan.distance_km), 0),
            func.coalesce(func.sum(RoutePlan.stops), 0),
        ).where(RoutePlan.day >= first.isoformat(), RoutePlan.day <= last.isoformat())
    ).one()
    km, stops = float(planned[0]), int(planned[1])
    km_per_pickup = km / stops if stops else None
    baseline_km = baseline * km_per_pickup if km_per_pickup else None
    avoided_km = baseline_km - km if baseline_km is not None else None
    factor = TRUCK_L_PER_100KM / 100 * DIESEL_KGCO2E_PER_L
    overflows, predicted = _overflows(session, start, end)
    return {
        "days": days,
        "pickups": pickups,
        "baseline_pickups": round(baseline),
        "km": round(km, 1),
        "baseline_km": round(baseline_km, 1) if baseline_km is not None else None,
        "avoided_km": round(avoided_km, 1) if avoided_km is not None else None,
        "co2_avoided_kg": round(avoided_km * factor)
        if avoided_km is not None
        else None,
        "kg_co2e_per_km": round(factor, 2),
        "overflows": overflows,
        "predicted_overflows": predicted,
    }
