"""securite follows an incident posted by a source app: acknowledge, assign, resolve."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from db.models import Incident, IncidentEvent
from services.users import create_token
from tests.browser.test_pages import no_console_errors, open_page, start_and_log_in
from tests.conftest import make_app
from tests.helpers import recent, wait_until

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


def test_density_view_context_layer_and_late_rows(dash_duo, tmp_path):
    """securite switches to the density view, then the SSMSI context (screenshots
    in HV_SCREENSHOT_DIR when set, to be looked at)."""
    from datetime import timedelta

    from db.types import utcnow
    from services.incident_deadlines import Targets, overdue_counts
    from services.incident_density import density_cells
    from services.incident_queries import IncidentFilter
    from tests.integration.test_vigilance_deadlines import add
    from tests.integration.test_vigilance_density import seed

    shots = Path(os.environ.get("HV_SCREENSHOT_DIR") or tmp_path)
    app = make_app(f"sqlite:///{tmp_path / 'dens.db'}", SIM_SENSORS=20)
    database = app.server.extensions["hypervision_db"]
    now = utcnow()
    with database.session() as session:
        seed(session, now, count=80)
        late = add(session, "critique", "nouveau", timedelta(hours=2, minutes=25), now)
        late_id = late.id
    with database.session() as session:
        cells = len(density_cells(session, IncidentFilter(period="30j")))
        late_ack = overdue_counts(session, Targets())["ack"]
    start_and_log_in(dash_duo, app, "securite")
    open_page(dash_duo, "/vigilance")
    dash_duo.wait_for_text_to_equal(
        "#vigilance-kpi-late-ack .hv-kpi-value", str(late_ack), timeout=20
    )
    dash_duo.wait_for_element(
        f"#vigilance-grid .ag-row.hv-row-late-ack[row-id='{late_id}']", timeout=20
    )
    dash_duo.wait_for_contains_text("#vigilance-grid", "en retard de 2 h", timeout=20)
    dash_duo.driver.save_screenshot(str(shots / "vigilance-points.png"))
    label = dash_duo.driver.find_element(
        By.XPATH, "//label[normalize-space()='Densité']"
    )
    label.click()
    dash_duo.wait_for_contains_text(
        "#vigilance-map-legend", "incidents par km²", timeout=20
    )
    dash_duo.wait_for_contains_text("#vigilance-map-legend", f"{cells} mailles")
    # Layers are told apart by their outline colour (assets/vigilance.js).
    squares = "#vigilance-map path[stroke='#7a0019']"
    dots = "#vigilance-map path[stroke='#1b1b1b']"
    communes = "#vigilance-map path[stroke='#3f3f46']"
    wait_until(lambda: len(dash_duo.find_elements(squares)) == cells)
    assert len(dash_duo.find_elements(squares)) == cells
    assert dash_duo.find_elements(dots) == []  # density replaces the points
    dash_duo.driver.save_screenshot(str(shots / "vigilance-density.png"))
    switch = dash_duo.find_element("#vigilance-context-on")
    scroll_to(dash_duo, switch)
    switch.click()
    dash_duo.wait_for_contains_text(
        "#vigilance-context-caveats", "pas des incidents signalés", timeout=20
    )
    dash_duo.wait_for_contains_text("#vigilance-context-legend", "2024")
    wait_until(lambda: len(dash_duo.find_elements(communes)) == 73)
    assert len(dash_duo.find_elements(communes)) == 73
    assert len(dash_duo.find_elements(squares)) == cells
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")
    dash_duo.driver.save_screenshot(str(shots / "vigilance-context.png"))
    scroll_to(dash_duo, dash_duo.find_element("#vigilance-context-legend"))
    dash_duo.driver.save_screenshot(str(shots / "vigilance-context-legend.png"))
    dash_duo.driver.set_window_size(820, 1180)  # a tablet held upright
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")
    dash_duo.driver.save_screenshot(str(shots / "vigilance-tablet.png"))
    no_console_errors(dash_duo)
