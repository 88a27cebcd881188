"""A waste manager plans tomorrow's round on a tablet, and a crew records a pickup."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from db.models import Bin, CollectionEvent
from tests.browser.test_pages import no_console_errors, start_and_log_in
from tests.conftest import make_app
from tests.integration.test_planning import seed_forecasts

pytestmark = pytest.mark.browser


@pytest.fixture
def planned_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'plan.db'}", SIM_SENSORS=80)
    database = app.server.extensions["hypervision_db"]
    with database.session() as session:
        codes = list(session.scalars(select(Bin.code).order_by(Bin.code).limit(15)))
    seed_forecasts(database, {code: 3.0 for code in codes}, fill=75)
    return app, database, codes


def click(dash_duo, selector: str) -> None:
    element = dash_duo.wait_for_element(selector, timeout=20)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})", element
    )
    element.click()


def test_waste_manager_plans_a_round_and_the_crew_records_a_pickup(
    dash_duo, planned_app
):
    app, database, codes = planned_app
    start_and_log_in(dash_duo, app, "dechets")
    dash_duo.driver.set_window_size(1280, 1000)  # a landscape tablet
    dash_duo.driver.get(dash_duo.server_url + "/dechets/tournees")
    click(dash_duo, "#tournees-search")
    dash_duo.wait_for_contains_text("#tournees-candidates", codes[0], timeout=20)
    dash_duo.wait_for_contains_text(
        "#tournees-candidates-summary", "15 bacs retenus", timeout=20
    )
    click(dash_duo, "#tournees-solve")
    dash_duo.wait_for_contains_text("#tournees-summary", "Bacs desservis", timeout=60)
    assert dash_duo.find_elements("#tournees-map path.leaflet-interactive")
    click(dash_duo, "#tournees-save")
    dash_duo.wait_for_contains_text("#tournees-published", "enregistré", timeout=20)
    no_console_errors(dash_duo)
    sheet = dash_duo.driver.find_element(By.LINK_TEXT, "fiche équipe")
    dash_duo.driver.get(sheet.get_attribute("href"))
    first = dash_duo.wait_for_element("button[id*='collecte']", timeout=20)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})", first
    )
    first.click()
    badge = "span[id*='tournees-stop-status'] .badge"
    dash_duo.wait_for_text_to_equal(badge, "Collecté", timeout=20)
    with database.session() as session:
        assert session.scalar(select(CollectionEvent.status)) == "collecte"
    no_console_errors(dash_duo)
