"""An elected official reads /synthese in headless Chromium and changes its scope."""

from __future__ import annotations

import base64
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

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
    assert "Pays de Montbéliard Agglomération" in (
        dash_duo.find_element("#synthese-content").text
    )
    assert activity["incidents"]
    dash_duo.wait_for_element("#synthese-incidents-chart .main-svg", timeout=20)
    # Every figure has its unit, every theme its source and period.
    units = dash_duo.find_elements("#synthese-content .hv-kpi-unit")
    assert units and all(u.text.strip() for u in units)
    sources = [s.text for s in dash_duo.find_elements("#synthese-content .hv-source")]
    assert len(sources) == 3 and all(s.startswith("Source :") for s in sources)

    dash_duo.find_element(QUARTER).click()
    dash_duo.wait_for_contains_text("#synthese-title", "trimestre", timeout=20)

    dash_duo.select_dcc_dropdown("#synthese-commune", index=0)
    dash_duo.wait_for_contains_text(
        "#synthese-content", "comparée à l'agglomération", timeout=20
    )
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#synthese-print")
    no_console_errors(dash_duo)


# A4 (210 mm) minus the 12 mm margins of synthese.css, in CSS pixels (96 per inch).
PRINTABLE_PX = (210 - 2 * 12) / 25.4 * 96
CHARTS = """return Array.from(
    document.querySelectorAll('#synthese-content .js-plotly-plot')
  ).map(g => ({id: g.parentElement.id,
              box: g.getBoundingClientRect().width,
              svg: Number(g.querySelector('.main-svg').getAttribute('width')),
              printed: g.getAttribute('data-hv-print-width')}));"""


def _charts(driver) -> list[dict]:
    return driver.execute_script(CHARTS)


def _wait_widths(driver, fits) -> list[dict]:
    WebDriverWait(driver, 20).until(
        lambda d: all(fits(c["svg"]) and fits(c["box"]) for c in _charts(d))
    )
    return _charts(driver)


def test_printed_summary_fits_every_chart_on_the_a4_page(dash_duo, synthese_demo):
    app, _database, _activity = synthese_demo
    start_and_log_in(dash_duo, app, "elu")
    dash_duo.wait_for_element("#synthese-health-chart .main-svg", timeout=20)
    dash_duo.wait_for_element("#synthese-incidents-chart .main-svg", timeout=20)
    driver = dash_duo.driver
    screen = _charts(driver)
    assert len(screen) == 6
    # On a wide screen the charts are wider than the paper: what used to overflow.
    assert max(c["svg"] for c in screen) > PRINTABLE_PX

    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    printed = _wait_widths(driver, lambda w: 0 < w <= PRINTABLE_PX)
    assert all(c["svg"] >= 0.4 * PRINTABLE_PX for c in printed)  # not squashed
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    back = _wait_widths(driver, lambda w: w > 0)
    WebDriverWait(driver, 20).until(
        lambda d: max(c["svg"] for c in _charts(d)) > PRINTABLE_PX
    )

    # A real print to PDF (the browser's own printing path: beforeprint/afterprint).
    driver.execute_script(
        "document.querySelectorAll('[data-hv-print-width]')"
        ".forEach(g => g.removeAttribute('data-hv-print-width'))"
    )
    pdf = base64.b64decode(
        driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False}
        )["data"]
    )
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes  # A4 in points: 595 x 842
    for width, height in boxes:
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2
    after = _charts(driver)
    assert all(c["printed"] for c in after), after  # fitted while printing
    assert all(0 < int(c["printed"]) <= PRINTABLE_PX for c in after)
    assert [c["svg"] for c in after] == [c["svg"] for c in back]  # screen again
    no_console_errors(dash_duo)
