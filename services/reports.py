"""Monthly summary reports: for the agglomeration and each commune, the month's
summary as a self-contained HTML file (and a PDF when Chromium is installed),
stored in the database so that every web worker serves the same files."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Commune, MonthlyReport
from db.types import utcnow
from services.bins import Thresholds
from services.periods import whole
from services.report_figures import report_context
from services.synthese import summary_for, today_paris

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
AGGLOMERATION = "pma"
RENDERERS = ("chromium", "chromium-browser", "google-chrome")


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def pdf_renderer() -> str | None:
    """A headless browser able to print HTML to PDF, if the machine has one."""
    return next(filter(None, (shutil.which(name) for name in RENDERERS)), None)


def render_html(data: dict) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    return env.get_template("report.html").render(**report_context(data))


def render_pdf(html: str, renderer: str) -> bytes | None:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "r.html"), Path(folder, "r.pdf")
        source.write_text(html, encoding="utf-8")
        command = [
            renderer,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=60, check=True)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("PDF non produit : %s", error)
            return None
        return target.read_bytes() if target.exists() else None


def write_monthly_reports(
    database: Database,
    settings: dict,
    month: date,
    *,
    scopes: list[str] | None = None,
    pdf: bool | None = None,
) -> int:
    """Write (or rewrite) the reports of `month`; returns how many were written."""
    period, previous = whole("mois", month), whole("mois", previous_month(month))
    renderer = pdf_renderer() if pdf is not False else None
    thresholds = Thresholds.from_config(settings)
    if scopes is None:
        with database.session() as session:
            scopes = [AGGLOMERATION, *session.scalars(select(Commune.insee))]
    key = period.first.strftime("%Y-%m")
    for scope in scopes:
        insee = None if scope == AGGLOMERATION else scope
        with database.session() as session:  # read only: the ingest keeps writing
            data = summary_for(session, period, previous, insee, settings, thresholds)
        html = render_html(data)
        where = data["commune"]["name"] if data["commune"] else "Agglomération"
        pdf_bytes = render_pdf(html, renderer) if renderer else None
        with database.session() as session:  # one short write per report
            session.execute(
                delete(MonthlyReport).where(
                    MonthlyReport.month == key, MonthlyReport.scope == scope
                )
            )
            session.add(
                MonthlyReport(
                    month=key,
                    scope=scope,
                    title=f"{where} — {period.name}",
                    html=html,
                    pdf=pdf_bytes,
                    created_at=utcnow(),
                )
            )
    return len(scopes)


def monthly_reports_job(database: Database, settings: dict) -> str:
    """Scheduled: write last month's reports once (nothing to do afterwards)."""
    month = previous_month(today_paris())
    key = month.strftime("%Y-%m")
    with database.session() as session:
        done = session.scalar(
            select(func.count()).where(
                MonthlyReport.month == key, MonthlyReport.scope == AGGLOMERATION
            )
        )
    if done:
        return f"rapports de {key} déjà écrits"
    written = write_monthly_reports(database, settings, month)
    return f"{written} rapports écrits pour {key}"


def list_reports(session: Session, insee: str | None = None, limit: int = 12):
    """Past reports of the agglomeration and (optionally) a commune, newest first."""
    scopes = [AGGLOMERATION] + ([insee] if insee else [])
    return session.execute(
        select(
            MonthlyReport.month,
            MonthlyReport.scope,
            MonthlyReport.title,
            MonthlyReport.pdf.is_not(None),
        )
        .where(MonthlyReport.scope.in_(scopes))
        .order_by(MonthlyReport.month.desc(), MonthlyReport.scope)
        .limit(limit * len(scopes))
    ).all()


def find_report(session: Session, month: str, scope: str) -> MonthlyReport | None:
    return session.scalar(
        select(MonthlyReport).where(
            MonthlyReport.month == month, MonthlyReport.scope == scope
        )
    )
