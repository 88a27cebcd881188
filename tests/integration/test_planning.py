"""Collection planning as a waste manager uses it: candidates, plan, exports, crew."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from sqlalchemy import select, update

from db.models import Bin, CollectionEvent, ForecastRow
from db.types import utcnow
from services.bins import Thresholds
from services.collections import record_collection, savings
from services.planning import candidates, depots, save_plan, stops_for
from services.routing import Fleet, plan_routes

GPX = "{http://www.topografix.com/GPX/1/1}"


def seed_forecasts(database, hours_by_code: dict[str, float | None], fill=50.0):
    """Give some bins a fill and a predicted alert time."""
    now = utcnow()
    with database.session() as session:
        for code, hours in hours_by_code.items():
            bin_id = session.scalar(select(Bin.id).where(Bin.code == code))
            session.execute(
                update(Bin)
                .where(Bin.id == bin_id)
                .values(last_fill_pct=fill, last_measured_at=now)
            )
            eta = None if hours is None else now + timedelta(hours=hours)
            session.add(
                ForecastRow(
                    bin_id=bin_id,
                    generated_at=now,
                    current_fill=fill,
                    rate_pct_per_h=1.0,
                    alert_eta=eta,
                    overflow_eta=eta,
                    method="modele",
                    stuck=False,
                    trajectory=json.dumps(
                        {"times": [], "expected": [], "lower": [], "upper": []}
                    ),
                )
            )


def codes(database, n: int) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(Bin.code).order_by(Bin.code).limit(n)))


def test_candidates_are_the_bins_predicted_above_threshold_by_the_day(database):
    first, second, third = codes(database, 3)
    seed_forecasts(database, {first: 2.0, second: 24 * 5, third: None})
    tomorrow = date.today() + timedelta(days=1)
    with database.session() as session:
        found = [c["code"] for c in candidates(session, tomorrow, Thresholds())]
    assert found == [first]
    with database.session() as session:
        later = [
            c["code"]
            for c in candidates(session, tomorrow + timedelta(days=5), Thresholds())
        ]
    assert set(later) == {first, second}


def make_plan(database, n=12):
    seed_forecasts(database, {code: 1.0 for code in codes(database, n)}, fill=70)
    with database.session() as session:
        items = candidates(session, date.today() + timedelta(days=1), Thresholds())
        depot = depots({})[0]
        fleet = Fleet(trucks=2, capacity_l=50_000, shift_min=420)
        plan = plan_routes(depot, stops_for(items), fleet, time_limit_s=2)
        row = save_plan(session, date.today(), depot, fleet, plan, "dechets")
        return row.id, plan, items


def test_a_saved_plan_exports_csv_and_gpx_that_parse_back(database, login_as):
    plan_id, plan, items = make_plan(database)
    client = login_as("dechets")
    text = client.get(f"/dechets/tournees/{plan_id}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted(r["code"] for r in rows) == sorted(i["code"] for i in items)
    route = plan.routes[0]
    gpx = client.get(f"/dechets/tournees/{plan_id}/{route.truck}.gpx")
    assert gpx.status_code == 200
    points = ET.fromstring(gpx.data).findall(f"{GPX}rte/{GPX}rtept")
    assert len(points) == len(route.stops) + 2  # depot, stops, depot
    assert float(points[1].get("lat")) == route.stops[0].lat
    assert client.get(f"/dechets/tournees/{plan_id}/99.gpx").status_code == 404
    assert (
        login_as("securite").get(f"/dechets/tournees/{plan_id}.csv").status_code == 403
    )


def test_the_crew_sheet_lists_the_route_and_records_collections(database, login_as):
    plan_id, plan, _items = make_plan(database)
    route = plan.routes[0]
    client = login_as("dechets")
    client.get("/_dash-layout")
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {
                "id": "_pages_location",
                "property": "pathname",
                "value": f"/dechets/tournees/{plan_id}/{route.truck}",
            },
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    page = client.post("/_dash-update-component", json=body).get_data(as_text=True)
    assert all(stop.code in page for stop in route.stops)
    code = route.stops[0].code
    action = {"type": "tournees-stop-action", "code": code, "status": "collecte"}
    response = client.post(
        "/_dash-update-component",
        json={
            "output": '{"code":["MATCH"],"type":"tournees-stop-status"}.children',
            "outputs": {
                "id": {"type": "tournees-stop-status", "code": code},
                "property": "children",
            },
            "inputs": [
                [
                    {"id": action, "property": "n_clicks", "value": 1},
                    {
                        "id": {**action, "status": "inaccessible"},
                        "property": "n_clicks",
                        "value": None,
                    },
                ]
            ],
            "state": [
                {
                    "id": {"type": "tournees-stop-comment", "code": code},
                    "property": "value",
                    "value": "RAS",
                },
                {
                    "id": "tournees-crew-route",
                    "property": "data",
                    "value": {"plan": plan_id, "truck": route.truck},
                },
            ],
            "changedPropIds": [
                json.dumps(action, separators=(",", ":"), sort_keys=True) + ".n_clicks"
            ],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "Collecté" in response.get_data(as_text=True)
    with database.session() as session:
        event = session.scalar(select(CollectionEvent))
        forecast = session.get(ForecastRow, event.bin_id)
    assert (event.status, event.comment, event.recorded_by) == (
        "collecte",
        "RAS",
        "dechets",
    )
    assert forecast.current_fill == 0.0  # the forecast restarts from an empty bin


def test_savings_compare_with_the_fixed_schedule(database):
    plan_id, plan, items = make_plan(database, n=10)
    with database.session() as session:
        for item in items[:4]:
            record_collection(
                session, item["code"], "collecte", "dechets", plan_id=plan_id
            )
        record_collection(session, items[4]["code"], "inaccessible", "dechets")
        kinds = session.execute(select(Bin.kind)).scalars().all()
    with database.session() as session:
        figures = savings(session, date.today(), date.today())
    passes = {
        "PAV_VERRE": 0.5,
        "PAV_PAPIER": 1,
        "PAV_EMBALLAGES": 2,
        "PAV_OM": 2,
        "REGROUPEMENT": 2,
        "CORBEILLE": 6,
    }
    assert figures["pickups"] == 4
    assert figures["baseline_pickups"] == round(sum(passes[k] / 7 for k in kinds))
    assert figures["km"] == round(plan.distance_km, 1)
    per_pickup = plan.distance_km / sum(len(r.stops) for r in plan.routes)
    expected_avoided = sum(passes[k] / 7 for k in kinds) * per_pickup - plan.distance_km
    assert abs(figures["avoided_km"] - expected_avoided) < 0.1
    assert figures["co2_avoided_kg"] == round(expected_avoided * 0.55 * 3.17)


def test_overflows_seen_are_scored_against_predictions_made_before(database):
    from db.models import OverflowPrediction, Reading, Sensor
    from services.planning import PARIS

    now = utcnow().replace(microsecond=0)
    with database.session() as session:
        rows = session.execute(
            select(Bin.id, Sensor.id).join(Sensor, Sensor.bin_id == Bin.id).limit(3)
        ).all()
        for bin_id, sensor_id in rows:  # three bins overflow an hour ago
            session.add(
                Reading(
                    bin_id=bin_id,
                    sensor_id=sensor_id,
                    measured_at=now - timedelta(hours=1),
                    received_at=now,
                    fill_pct=100.0,
                    source="native",
                )
            )
        day = (now - timedelta(hours=1)).astimezone(PARIS).date().isoformat()
        # predicted 5 h before for the first, only after the fact for the second
        session.add(
            OverflowPrediction(
                bin_id=rows[0][0],
                day=day,
                predicted_at=now - timedelta(hours=5),
                overflow_eta=now,
            )
        )
        session.add(
            OverflowPrediction(
                bin_id=rows[1][0], day=day, predicted_at=now, overflow_eta=now
            )
        )
    with database.session() as session:
        figures = savings(session, date.today() - timedelta(days=1), date.today())
    assert (figures["overflows"], figures["predicted_overflows"]) == (3, 1)
