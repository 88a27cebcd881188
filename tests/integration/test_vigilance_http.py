"""/vigilance at HTTP level: who opens it, who reads what, crafted callbacks."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from db.models import IncidentEvent
from services.incidents import store_incident
from tests.helpers import recent


def make_incident(database, **changes) -> int:
    report = {
        "report_id": str(uuid.uuid4()),
        "ts": recent(5),
        "category": "cambriolage",
        "severity": "elevee",
        "description": "Secret: le voisin du 12 a tout vu",
        "lat": 47.5098,
        "lon": 6.7985,
        "commune_insee": "25388",
        "source": "voisins_vigilants",
        "reporter_ref": "vv-SECRET-REF",
    }
    report.update(changes)
    with database.session() as session:
        incident, _ = store_incident(session, report, "test")
        return incident.id


def dash_call(client, output_part: str, values: dict):
    """Call the registered callback whose first output is `output_part`."""
    dependencies = client.get("/_dash-dependencies").get_json()
    callback = next(
        c
        for c in dependencies
        if c["output"] == output_part or c["output"].startswith(f"..{output_part}...")
    )

    def items(specs):
        return [
            {**spec, "value": values.get(f"{spec['id']}.{spec['property']}")}
            for spec in specs
        ]

    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in callback["output"].strip(".").split("...")
    ]
    body = {
        "output": callback["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": items(callback["inputs"]),
        "state": items(callback["state"]),
        "changedPropIds": [next(iter(values))],
    }
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("admin", 200),
        ("operateur", 200),
        ("securite", 200),
        ("dechets", 403),
        ("elu", 403),
    ],
)
def test_the_page_opens_for_control_room_and_security_only(login_as, username, status):
    assert login_as(username).get("/vigilance").status_code == status


@pytest.mark.parametrize("username", ["elu", "dechets"])
def test_a_crafted_callback_for_incident_details_is_refused(login_as, username):
    body = {
        "output": "vigilance-reporter.children",
        "outputs": {"id": "vigilance-reporter", "property": "children"},
        "inputs": [{"id": "vigilance-reveal", "property": "n_clicks", "value": 1}],
        "state": [{"id": "vigilance-selected", "property": "data", "value": 1}],
        "changedPropIds": ["vigilance-reveal.n_clicks"],
    }
    response = login_as(username).post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert b"SECRET" not in response.data


def test_the_operator_sees_neither_free_text_nor_reporter(database, login_as):
    incident_id = make_incident(database)
    client = login_as("operateur")
    layout = client.get("/vigilance")
    assert layout.status_code == 200
    detail = dash_call(
        client,
        "vigilance-detail.children",
        {"vigilance-selected.data": incident_id, "vigilance-version.data": 0},
    )
    assert detail.status_code == 200
    assert "Incident n°" in detail.get_data(as_text=True)
    assert "SECRET" not in detail.get_data(as_text=True)
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(
            {
                "output": "vigilance-reporter.children",
                "outputs": {"id": "vigilance-reporter", "property": "children"},
                "inputs": [
                    {"id": "vigilance-reveal", "property": "n_clicks", "value": 1}
                ],
                "state": [
                    {
                        "id": "vigilance-selected",
                        "property": "data",
                        "value": incident_id,
                    }
                ],
                "changedPropIds": ["vigilance-reveal.n_clicks"],
            }
        ),
        content_type="application/json",
    )
    assert "SECRET" not in response.get_data(as_text=True)
    with database.session() as session:
        reads = session.scalars(
            select(IncidentEvent).where(IncidentEvent.action == "lecture_signalant")
        ).all()
    assert reads == []


def test_the_coordinator_reads_text_and_reference_and_the_read_is_audited(
    database, login_as
):
    incident_id = make_incident(database)
    client = login_as("securite")
    detail = dash_call(
        client,
        "vigilance-detail.children",
        {"vigilance-selected.data": incident_id, "vigilance-version.data": 0},
    )
    assert "le voisin du 12" in detail.get_data(as_text=True)
    assert "vv-SECRET-REF" not in detail.get_data(as_text=True)
    reveal = dash_call(
        client,
        "vigilance-reporter.children",
        {"vigilance-reveal.n_clicks": 1, "vigilance-selected.data": incident_id},
    )
    assert "vv-SECRET-REF" in reveal.get_data(as_text=True)
    with database.session() as session:
        reads = session.scalars(
            select(IncidentEvent).where(IncidentEvent.action == "lecture_signalant")
        ).all()
    assert [(e.incident_id, e.actor) for e in reads] == [(incident_id, "securite")]


def test_an_illegal_action_through_the_page_is_refused_by_the_server(
    database, login_as
):
    incident_id = make_incident(database)
    client = login_as("operateur")
    response = dash_call(
        client,
        "vigilance-feedback.children",
        {"vigilance-resolve.n_clicks": 1, "vigilance-selected.data": incident_id},
    )
    assert "transition interdite" in response.get_data(as_text=True)
    response = dash_call(
        client,
        "vigilance-feedback.children",
        {"vigilance-ack.n_clicks": 1, "vigilance-selected.data": incident_id},
    )
    assert "Pris en compte" in response.get_data(as_text=True)


def test_a_depot_sauvage_shows_the_nearest_bin_and_its_fill(database, login_as):
    from db.models import Bin

    with database.session() as session:
        bin_ = session.scalar(select(Bin).order_by(Bin.id))
        bin_.last_fill_pct, bin_.last_measured_at = 95.0, recent(1)
        code, lat, lon = bin_.code, bin_.lat, bin_.lon
    incident_id = make_incident(
        database,
        category="depot_sauvage",
        lat=lat + 0.0002,
        lon=lon,
        commune_insee=bin_.commune_insee,
    )
    detail = dash_call(
        login_as("securite"),
        "vigilance-detail.children",
        {"vigilance-selected.data": incident_id, "vigilance-version.data": 0},
    ).get_data(as_text=True)
    assert "vigilance-nearby-bin" in detail
    assert code in detail and "95 %" in detail
