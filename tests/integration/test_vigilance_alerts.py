"""A new high-severity incident shows at once in the Supervision alert feed."""

from __future__ import annotations

import json
import uuid

from services.incidents import store_incident
from tests.helpers import recent


def add(database, category: str, severity: str) -> int:
    report = {
        "report_id": str(uuid.uuid4()),
        "ts": recent(1),
        "category": category,
        "severity": severity,
        "description": "texte libre confidentiel",
        "lat": 47.5098,
        "lon": 6.7985,
        "commune_insee": "25388",
        "source": "police",
        "reporter_ref": "ref-confidentielle",
    }
    with database.session() as session:
        return store_incident(session, report, "test")[0].id


def feed_text(client) -> str:
    body = {
        "output": "supervision-alerts.children",
        "outputs": {"id": "supervision-alerts", "property": "children"},
        "inputs": [
            {"id": "supervision-interval", "property": "n_intervals", "value": 1}
        ],
        "changedPropIds": ["supervision-interval.n_intervals"],
    }
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_high_severity_incidents_reach_the_feed_without_personal_data(
    database, login_as
):
    high = add(database, "incendie", "critique")
    low = add(database, "tapage", "faible")
    text = feed_text(login_as("operateur"))
    assert "Incident : Incendie" in text and f"n° {high}" in text
    assert f"n° {low}" not in text
    assert "confidentiel" not in text


def test_the_waste_manager_feed_has_no_security_incidents(database, login_as):
    add(database, "incendie", "critique")
    assert "Incident" not in feed_text(login_as("dechets"))
