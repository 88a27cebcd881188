"""securite follows an incident posted by a source app: acknowledge, assign, resolve."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from db.models import Incident, IncidentEvent
from services.users import create_token
from tests.browser.test_pages import no_console_errors, open_page, start_and_log_in
from tests.conftest import make_app
from tests.helpers import recent

pytestmark = pytest.mark.browser


def post_report(app, database) -> int:
    with database.session() as session:
        token = create_token(session, "voisins-vigilants", "incidents")
    response = app.server.test_client().post(
        "/api/v1/incidents",
        json={
            "report_id": str(uuid.uuid4()),
            "ts": recent(2).isoformat(),
            "category": "incendie",
            "description": "Fumée dans un local poubelles",
            "lat": 47.5098,
            "lon": 6.7985,
            "source": "voisins_vigilants",
            "reporter_ref": "vv-77",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def click(dash_duo, selector: str) -> None:
    element = dash_duo.wait_for_element(f"{selector}:not([disabled])", timeout=20)
    # A real click event, without racing the detail panel's layout shifts.
    dash_duo.driver.execute_script("arguments[0].click()", element)


def scroll_to(dash_duo, element) -> None:
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})", element
    )


def test_securite_acknowledges_assigns_and_resolves_an_api_incident(dash_duo, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'vig.db'}", SIM_SENSORS=20)
    database = app.server.extensions["hypervision_db"]
    incident_id = post_report(app, database)
    start_and_log_in(dash_duo, app, "securite")
    open_page(dash_duo, "/vigilance")
    dash_duo.wait_for_contains_text("#vigilance-grid", "Incendie", timeout=20)
    cell = dash_duo.driver.find_element(
        By.CSS_SELECTOR, f"#vigilance-grid .ag-row[row-id='{incident_id}'] .ag-cell"
    )
    scroll_to(dash_duo, cell)
    cell.click()
    dash_duo.wait_for_contains_text("#vigilance-title", f"n° {incident_id}")
    dash_duo.wait_for_contains_text("#vigilance-detail", "Fumée dans un local")
    click(dash_duo, "#vigilance-ack")
    dash_duo.wait_for_contains_text("#vigilance-badges", "Pris en compte", timeout=20)
    assignee = dash_duo.find_element("#vigilance-assignee")
    scroll_to(dash_duo, assignee)
    assignee.find_element(By.XPATH, "option[contains(., 'Audincourt')]").click()
    dash_duo.find_element("#vigilance-comment").send_keys("Patrouille envoyée")
    click(dash_duo, "#vigilance-assign")
    dash_duo.wait_for_contains_text("#vigilance-detail", "Audincourt", timeout=20)
    click(dash_duo, "#vigilance-intervene")
    dash_duo.wait_for_contains_text("#vigilance-badges", "En intervention", timeout=20)
    click(dash_duo, "#vigilance-resolve")
    dash_duo.wait_for_contains_text("#vigilance-badges", "Résolu", timeout=20)
    dash_duo.wait_for_contains_text("#vigilance-timeline", "Patrouille envoyée")
    with database.session() as session:
        incident = session.get(Incident, incident_id)
        actions = session.scalars(
            select(IncidentEvent.to_status)
            .where(IncidentEvent.incident_id == incident_id)
            .where(IncidentEvent.action == "statut")
            .order_by(IncidentEvent.id)
        ).all()
    assert incident.status == "resolu"
    assert incident.assignee == "Police municipale – Audincourt"
    assert actions == ["pris_en_compte", "en_intervention", "resolu"]
    no_console_errors(dash_duo)
