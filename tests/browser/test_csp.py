"""Every page loads in headless Chromium under the Content-Security-Policy.

A CSP violation shows as a browser console error and fires a
`securitypolicyviolation` event; a recorder installed before any page script
collects those events, and the test asserts both lists are empty on every page.
The page list comes from Dash's page registry, so a new page is covered at once.
"""

from __future__ import annotations

import dash
import pytest
from sqlalchemy import select

from db.models import Bin
from services.demo_feed import DemoFeed
from services.ingest import IngestPipeline
from tests.conftest import make_app

pytestmark = pytest.mark.browser

RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('csp') / 'demo.db'}"
    app = make_app(url, SIM_SENSORS=60, SIM_HISTORY_DAYS=1)
    database = app.server.extensions["hypervision_db"]
    feed = DemoFeed(
        database, IngestPipeline(database), app.server.config["HYPERVISION"]
    )
    feed.prepare_history()
    return app, database


def page_paths(database) -> list[str]:
    """Every registered page, with a real bin code in /dechets/bac/<code>."""
    with database.session() as session:
        code = session.scalar(select(Bin.code).order_by(Bin.code))
    values = {"code": code, "plan_id": "1", "truck": "1"}
    paths = []
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        for key, value in values.items():
            template = template.replace(f"<{key}>", value)
        paths.append(template)
    return sorted(paths)


def record_violations(dash_duo) -> None:
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER}
    )


def settle(dash_duo) -> None:
    """Wait for the page's first callbacks (loading markers gone)."""
    dash_duo.wait_for_element("#app-freshness", timeout=20)
    dash_duo.wait_for_no_elements("[data-dash-is-loading]", timeout=30)


def problems(dash_duo) -> list:
    violations = dash_duo.driver.execute_script("return window.__cspViolations || []")
    errors = [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"]
    return violations + errors


def test_every_page_loads_under_the_csp_without_console_errors(dash_duo, demo):
    app, database = demo
    dash_duo.start_server(app, navigate=False)
    record_violations(dash_duo)
    base = dash_duo.server.url.rstrip("/")
    for path in ("/login", "/opendata/"):
        dash_duo.driver.get(base + path)
        dash_duo.wait_for_element("h1", timeout=20)
        found = problems(dash_duo)
        assert found == [], (path, found)
    log_in(dash_duo)
    response = app.server.test_client().get("/login")
    assert "script-src 'self' 'sha256-" in response.headers["Content-Security-Policy"]
    seen = []
    for path in page_paths(database):
        dash_duo.driver.get(base + path)
        settle(dash_duo)
        found = problems(dash_duo)
        assert found == [], (path, found)
        seen.append(path)
    assert {"/", "/dechets", "/vigilance", "/sante", "/admin"} <= set(seen)


def test_a_policy_without_the_inline_hashes_is_caught(dash_duo, tmp_path):
    """The recorder is not blind: dropping the hashes breaks Dash's start-up."""
    app = make_app(f"sqlite:///{tmp_path / 'broken.db'}", SIM_SENSORS=5)

    @app.server.after_request
    def strict_policy(response):  # registered last, so it runs first
        response.headers["Content-Security-Policy"] = "script-src 'self'"
        return response

    dash_duo.start_server(app, navigate=False)
    record_violations(dash_duo)
    log_in(dash_duo)
    found = problems(dash_duo)
    assert any("script-src" in str(item) for item in found), found


def log_in(dash_duo) -> None:
    """Log in as admin through the real form (the server is already started)."""
    dash_duo.driver.set_window_size(1600, 1000)
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(base + "/login")
    dash_duo.find_element("input[name=username]").send_keys("admin")
    dash_duo.find_element("input[name=password]").send_keys("demo")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#react-entry-point", timeout=20)
