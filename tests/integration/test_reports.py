"""Monthly reports: the job writes one self-contained file per commune and for the
agglomeration, with the summary's figures, downloadable by /synthese roles only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from db.models import MonthlyReport
from services.bins import Thresholds
from services.periods import whole
from services.reports import (
    monthly_reports_job,
    pdf_renderer,
    previous_month,
    write_monthly_reports,
)
from services.synthese import summary_for, today_paris
from tests.activity import (
    CREW,
    SECRET_COMMENT,
    SECRET_REPORTER,
    SECRET_TEXT,
    seed_activity,
)

SCOPES = ["pma", "25388", "25031"]


@pytest.fixture
def month(app, database):
    seed_activity(database)
    first = today_paris().replace(day=1)
    settings = app.server.config["HYPERVISION"]
    write_monthly_reports(database, settings, first, scopes=SCOPES, pdf=False)
    return first


def test_reports_are_self_contained_and_hold_no_personal_data(app, database, month):
    key = month.strftime("%Y-%m")
    with database.session() as session:
        reports = session.scalars(
            select(MonthlyReport).where(MonthlyReport.month == key)
        ).all()
    assert sorted(r.scope for r in reports) == sorted(SCOPES)
    for report in reports:
        html = report.html
        assert html.startswith("<!doctype html>")
        assert not re.search(r"<(script|link|img)\b", html)
        assert "src=" not in html and "url(" not in html
        for secret in (CREW, SECRET_COMMENT, SECRET_REPORTER, SECRET_TEXT):
            assert secret not in html
    montbeliard = next(r for r in reports if r.scope == "25388")
    assert "Commune de Montbéliard" in montbeliard.html
    assert montbeliard.title.startswith("Montbéliard")


def test_report_figures_are_the_summary_figures(app, database, month):
    settings = app.server.config["HYPERVISION"]
    with database.session() as session:
        data = summary_for(
            session,
            whole("mois", month),
            whole("mois", previous_month(month)),
            None,
            settings,
            Thresholds.from_config(settings),
        )
        report = session.scalar(
            select(MonthlyReport).where(MonthlyReport.scope == "pma")
        )
    waste = data["local"]["waste"]
    assert waste["bins_monitored"] == 12
    figure = re.search(
        r'<span class="value">([^<]+)</span><span class="unit">bacs</span>',
        report.html,
    )
    assert figure.group(1) == "12"
    assert f"{waste['mean_fill_at_collection']:.1f}".replace(".", ",") in report.html


def test_job_writes_last_month_for_every_commune_once(app, database, monkeypatch):
    monkeypatch.setattr("services.reports.pdf_renderer", lambda: None)  # PDF: below
    settings = app.server.config["HYPERVISION"]
    first = monthly_reports_job(database, settings)
    assert first.startswith("74 rapports écrits pour ")
    assert monthly_reports_job(database, settings).endswith("déjà écrits")
    key = previous_month(today_paris()).strftime("%Y-%m")
    with database.session() as session:
        assert (
            session.scalar(select(func.count()).where(MonthlyReport.month == key)) == 74
        )


def test_pdf_is_printed_when_a_renderer_exists(app, database):
    # scripts/test.sh installs Chromium, so the renderer must be found.
    assert pdf_renderer() is not None
    write_monthly_reports(
        database,
        app.server.config["HYPERVISION"],
        today_paris().replace(day=1),
        scopes=["pma"],
        pdf=True,
    )
    with database.session() as session:
        report = session.scalar(select(MonthlyReport))
    assert report.pdf.startswith(b"%PDF")


def test_reports_download_for_synthese_roles_only(login_as, client, month):
    key = month.strftime("%Y-%m")
    url = f"/synthese/rapports/{key}/25388.html"
    response = login_as("elu").get(url)
    assert response.status_code == 200
    assert "Montbéliard" in response.get_data(as_text=True)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    elu = login_as("elu")
    assert elu.get(f"/synthese/rapports/{key}/99999.html").status_code == 404
    assert elu.get(f"/synthese/rapports/{key}/pma.pdf").status_code == 404  # no PDF
    page = elu.get("/synthese")
    assert page.status_code == 200
