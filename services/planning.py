"""Collection planning: which bins to visit on a day, with what load, saved plans.

The bins to visit are those predicted above their alert threshold by the end of the
chosen day (or already above it); each stop's volume is the predicted fill at the
start of the shift times the bin's capacity.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import Bin, Commune, ForecastRow, RoutePlan
from db.types import utcnow
from services.bins import KIND_LABELS, Thresholds
from services.routing import Depot, Fleet, Plan, Route, Stop

PARIS = ZoneInfo("Europe/Paris")
SERVICE_MIN = {  # minutes at a stop, by kind (lifting a PAV takes longer)
    "PAV_VERRE": 4.0,
    "PAV_PAPIER": 4.0,
    "PAV_EMBALLAGES": 4.0,
    "PAV_OM": 5.0,
    "CORBEILLE": 1.0,
    "REGROUPEMENT": 3.0,
}
DEFAULT_DEPOTS = "Centre technique PMA (Montbéliard):47.5130:6.8140"


def depots(settings: dict) -> list[Depot]:
    """Depots from DEPOTS="Nom:lat:lon;Nom:lat:lon" (a demo depot by default)."""
    result = []
    for item in (settings.get("DEPOTS") or DEFAULT_DEPOTS).split(";"):
        name, lat, lon = item.rsplit(":", 2)
        result.append(Depot(name.strip(), float(lat), float(lon)))
    return result


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end of a Paris day, in UTC."""
    start = datetime.combine(day, time(0, 0), PARIS)
    return start, start + timedelta(days=1)


def candidates(
    session: Session,
    day: date,
    thresholds: Thresholds,
    shift_start: time = time(6),
    only_code: str | None = None,
) -> list[dict]:
    """Bins to visit on `day`: above threshold now, or predicted so before its end."""
    _, end = day_bounds(day)
    query = (
        select(Bin, Commune.name, ForecastRow.alert_eta, ForecastRow.rate_pct_per_h)
        .join(Commune, Commune.insee == Bin.commune_insee)
        .outerjoin(ForecastRow, ForecastRow.bin_id == Bin.id)
        .order_by(ForecastRow.alert_eta.nulls_first(), Bin.code)
    )
    if only_code is not None:
        query = query.where(Bin.code == only_code)
    else:
        alert = thresholds.alert_sql()
        query = query.where(
            or_(Bin.last_fill_pct >= alert, ForecastRow.alert_eta < end)
        )
    rows = session.execute(query).all()
    start = datetime.combine(day, shift_start, PARIS)
    result = []
    for b, commune, alert_eta, rate in rows:
        hours = max((start - utcnow()).total_seconds() / 3600, 0)
        fill = min((b.last_fill_pct or 0) + (rate or 0) * hours, 100)
        result.append(
            {
                "code": b.code,
                "kind": KIND_LABELS[b.kind],
                "commune": commune,
                "fill_pct": round(b.last_fill_pct or 0),
                "expected_fill_pct": round(fill),
                "alert_eta": alert_eta,
                "volume_l": round(b.capacity_l * fill / 100),
                "lat": b.lat,
                "lon": b.lon,
                "service_min": SERVICE_MIN[b.kind],
            }
        )
    return result


def candidate_for(session: Session, code: str, day: date) -> dict | None:
    """One bin as a planning candidate, whatever its fill (added by the manager)."""
    found = [
        c
        for c in candidates(session, day, Thresholds(alert_fill_pct=-1), only_code=code)
    ]
    return found[0] if found else None


def stops_for(items: list[dict]) -> list[Stop]:
    return [
        Stop(
            i["code"], i["lat"], i["lon"], float(i["volume_l"]), float(i["service_min"])
        )
        for i in items
    ]


def plan_to_json(plan: Plan) -> str:
    return json.dumps(
        {
            "routes": [asdict(route) for route in plan.routes],
            "unserved": [asdict(stop) for stop in plan.unserved],
            "distance_km": plan.distance_km,
            "detour_factor": plan.detour_factor,
            "distance_source": plan.distance_source,
            "solver_status": plan.solver_status,
        }
    )


def plan_from_json(text: str) -> Plan:
    data = json.loads(text)
    routes = [
        Route(**{**r, "stops": [Stop(**s) for s in r["stops"]]}) for r in data["routes"]
    ]
    return Plan(
        routes,
        [Stop(**s) for s in data["unserved"]],
        data["distance_km"],
        data["detour_factor"],
        data["distance_source"],
        data["solver_status"],
    )


def save_plan(
    session: Session, day: date, depot: Depot, fleet: Fleet, plan: Plan, user: str
) -> RoutePlan:
    """Store a plan as the crews will receive it."""
    row = RoutePlan(
        day=day.isoformat(),
        created_at=utcnow(),
        created_by=user,
        parameters=json.dumps({"depot": asdict(depot), "fleet": asdict(fleet)}),
        routes=plan_to_json(plan),
        distance_km=plan.distance_km,
        stops=sum(len(r.stops) for r in plan.routes),
    )
    session.add(row)
    session.flush()
    return row


def load_plan(session: Session, plan_id: int) -> tuple[RoutePlan, Plan, Depot] | None:
    row = session.get(RoutePlan, plan_id)
    if row is None:
        return None
    depot = Depot(**json.loads(row.parameters)["depot"])
    return row, plan_from_json(row.routes), depot
