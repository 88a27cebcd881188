"""An elected official explores /sante in headless Chromium: map, legend, card, grid."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains

from components.sante_view import grid_rows
from services.health_indicators import GP, coverage
from tests.browser.test_pages import no_console_errors, open_page, start_and_log_in
from tests.conftest import make_app

pytestmark = pytest.mark.browser
DENSITY = "label[for='_dbcprivate_radioitems_sante-indicator_input_densite']"


@pytest.fixture(scope="module")
def sante_demo(tmp_path_factory):
    """A demo app: the territory and the fictitious RPPS extract."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sante') / 'demo.db'}"
    app = make_app(url, SIM_SENSORS=20)
    return app, app.server.extensions["hypervision_db"]


def test_elected_official_explores_health_coverage(dash_duo, sante_demo):
    app, database = sante_demo
    with database.session() as session:
        data = coverage(session)
        names = {c["nom"] for c in data.communes}
    start_and_log_in(dash_duo, app, "elu")
    dash_duo.wait_for_element("#synthese-bins", timeout=20)
    open_page(dash_duo, "/sante")

    dash_duo.wait_for_text_to_equal(
        "#sante-kpi-gp .hv-kpi-value", str(data.totals[GP]), timeout=20
    )
    assert "Données fictives" in dash_duo.find_element("#sante-demo").text
    dash_duo.wait_for_element("#sante-map path.leaflet-interactive", timeout=20)
    assert len(dash_duo.find_elements("#sante-map path.leaflet-interactive")) == 73
    dash_duo.wait_for_contains_text("#sante-legend", "moins de 3,0", timeout=20)
    least_served = grid_rows(data, "accessibilite", GP)[0]["nom"]
    dash_duo.wait_for_contains_text("#sante-grid", least_served, timeout=20)
    assert "extraction du" in dash_duo.find_element("#sante-source").text

    # Touch the largest commune: its card opens.
    paths = dash_duo.find_elements("#sante-map path.leaflet-interactive")
    largest = max(paths, key=lambda p: p.size["width"] * p.size["height"])
    ActionChains(dash_duo.driver).move_to_element(largest).click().perform()
    dash_duo.wait_for_contains_text("#sante-card", "hab.", timeout=20)
    title = dash_duo.find_element("#sante-card-title").text
    assert any(title.startswith(name) for name in names)
    assert "Données fictives" in title

    # Another indicator: the map title and the legend follow.
    dash_duo.find_element(DENSITY).click()
    dash_duo.wait_for_text_to_equal(
        "#sante-map-title", "Densité : médecins généralistes", timeout=20
    )
    dash_duo.wait_for_contains_text("#sante-legend", "aucun (0)", timeout=20)
    no_console_errors(dash_duo)
