"""Each demo account logs in with headless Chromium and sees real values."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from db.models import Bin
from services.bins import Thresholds, kpis
from services.demo_feed import DemoFeed
from services.ingest import IngestPipeline
from tests.conftest import make_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo app with 120 bins and two days of history."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}"
    app = make_app(url, SIM_SENSORS=120, SIM_HISTORY_DAYS=2)
    database = app.server.extensions["hypervision_db"]
    feed = DemoFeed(
        database, IngestPipeline(database), app.server.config["HYPERVISION"]
    )
    feed.prepare_history()
    return app, database


def start_and_log_in(dash_duo, app, username: str) -> None:
    """Start the app, log in through the real form, land on the role's home page."""
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.set_window_size(1600, 1000)  # a control-room screen
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(base + "/login")
    dash_duo.find_element("input[name=username]").send_keys(username)
    dash_duo.find_element("input[name=password]").send_keys("demo")
    dash_duo.find_element("#login-submit").click()
    dash_duo.server_url = base  # waits for the Dash page the role lands on


def open_page(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element("#app-freshness")


def no_console_errors(dash_duo) -> None:
    errors = [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"]
    assert errors == []


def check_supervision(dash_duo, database) -> None:
    open_page(dash_duo, "/")
    with database.session() as session:
        figures = kpis(session, Thresholds())
    dash_duo.wait_for_text_to_equal(
        "#supervision-kpi-monitored .hv-kpi-value",
        str(figures["monitored"]),
        timeout=20,
    )
    dash_duo.wait_for_element(
        "#supervision-map .leaflet-marker-icon, "
        "#supervision-map path.leaflet-interactive",
        timeout=20,
    )
    dash_duo.wait_for_element("#supervision-alerts .list-group-item", timeout=20)
    assert "Données à jour" in dash_duo.find_element("#app-freshness").text


def check_bins(dash_duo, database) -> None:
    open_page(dash_duo, "/dechets")
    with database.session() as session:
        first = session.scalar(select(Bin.code).order_by(Bin.code))
    dash_duo.wait_for_contains_text("#dechets-grid", first, timeout=20)
    dash_duo.wait_for_text_to_equal("#dechets-count", "120 bacs", timeout=20)
    link = dash_duo.driver.find_element(By.LINK_TEXT, first)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})", link
    )
    link.click()
    dash_duo.wait_for_text_to_equal("#bac-code", first, timeout=20)
    dash_duo.wait_for_element("#bac-fill-chart .main-svg", timeout=20)


def check_system(dash_duo) -> None:
    open_page(dash_duo, "/systeme")
    dash_duo.wait_for_contains_text("#systeme-broker-state", "simulateur", timeout=20)
    dash_duo.wait_for_element("#systeme-rate-chart .main-svg", timeout=20)


def check_summary(dash_duo, database) -> None:
    open_page(dash_duo, "/synthese")
    with database.session() as session:
        total = session.query(Bin).count()
    dash_duo.wait_for_text_to_equal(
        "#synthese-bins .hv-kpi-value", str(total), timeout=20
    )


def nav_ids(dash_duo) -> set[str]:
    return {
        e.get_attribute("id") for e in dash_duo.find_elements(".hv-navbar .nav-link")
    }


@pytest.mark.parametrize("username", ["admin", "operateur"])
def test_control_room_accounts_see_every_waste_page(dash_duo, demo, username):
    app, database = demo
    start_and_log_in(dash_duo, app, username)
    check_supervision(dash_duo, database)
    check_bins(dash_duo, database)
    check_system(dash_duo)
    check_summary(dash_duo, database)
    assert {"app-nav-systeme", "app-nav-sante", "app-nav-vigilance"} <= nav_ids(
        dash_duo
    )
    no_console_errors(dash_duo)


def test_waste_manager_sees_bins_but_not_the_system_page(dash_duo, demo):
    app, database = demo
    start_and_log_in(dash_duo, app, "dechets")
    check_supervision(dash_duo, database)
    check_bins(dash_duo, database)
    check_summary(dash_duo, database)
    assert "app-nav-systeme" not in nav_ids(dash_duo)
    no_console_errors(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/systeme")
    dash_duo.wait_for_contains_text("body", "Accès refusé")


def test_security_coordinator_sees_supervision_only_among_waste_pages(dash_duo, demo):
    app, database = demo
    start_and_log_in(dash_duo, app, "securite")
    check_supervision(dash_duo, database)
    check_summary(dash_duo, database)
    assert nav_ids(dash_duo) == {
        "app-nav-supervision",
        "app-nav-synthese",
        "app-nav-vigilance",
    }
    no_console_errors(dash_duo)


def test_elected_official_lands_on_the_summary(dash_duo, demo):
    app, database = demo
    start_and_log_in(dash_duo, app, "elu")
    dash_duo.wait_for_element("#synthese-bins", timeout=20)
    assert dash_duo.driver.current_url.endswith("/synthese")
    check_summary(dash_duo, database)
    assert nav_ids(dash_duo) == {"app-nav-synthese", "app-nav-sante"}
    no_console_errors(dash_duo)
    dash_duo.find_element("#app-logout").click()  # a POST form with the token
    dash_duo.wait_for_element("input[name=username]")
    dash_duo.driver.get(dash_duo.server_url + "/synthese")
    assert "/login" in dash_duo.driver.current_url  # the session really ended
