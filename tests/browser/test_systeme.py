"""/systeme in Chromium: workers, charts and jobs render; a dead database shows."""

from __future__ import annotations

import pytest

from db.engine import Database
from tests.browser.test_pages import no_console_errors, open_page, start_and_log_in
from tests.conftest import make_app
from tests.integration.test_systeme import seed

pytestmark = pytest.mark.browser


def test_operator_sees_the_system_page_then_the_database_outage(
    dash_duo, tmp_path, sqlite_url
):
    app = make_app(sqlite_url, MQTT_URL="mqtt://127.0.0.1:1")
    seed(app.server.extensions["hypervision_db"])
    start_and_log_in(dash_duo, app, "operateur")
    open_page(dash_duo, "/systeme")
    dash_duo.wait_for_contains_text("#systeme-worker-table", "worker-a", timeout=20)
    table = dash_duo.find_element("#systeme-worker-table").text
    assert "Connecté et abonné" in table and "Muet" in table
    dash_duo.wait_for_contains_text("#systeme-banner", "worker-b", timeout=20)
    dash_duo.wait_for_element("#systeme-dead-chart .main-svg", timeout=20)
    dash_duo.wait_for_element("#systeme-latency-chart .main-svg", timeout=20)
    dash_duo.wait_for_contains_text(
        "#systeme-jobs-summary-table", "base verrouillée", timeout=20
    )
    dash_duo.wait_for_contains_text("#systeme-db-latency", ",", timeout=20)
    assert not dash_duo.find_element("#systeme-stale").is_displayed()
    dash_duo.driver.save_screenshot(str(tmp_path / "systeme.png"))
    no_console_errors(dash_duo)

    # The database goes away: even the login check fails, the browser says so.
    app.server.extensions["hypervision_db"] = Database(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    dash_duo.wait_for_contains_text("#systeme-stale", "ne répond plus", timeout=40)
    assert (
        "Aucune mise à jour réussie depuis"
        in dash_duo.find_element("#systeme-stale").text
    )
