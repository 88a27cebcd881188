"""Monthly reports download under /synthese/rapports/ (the /synthese roles only)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort

from db.engine import get_session
from services.reports import find_report

reports = Blueprint("reports", __name__, url_prefix="/synthese/rapports")
MONTH = re.compile(r"\d{4}-\d{2}")
SCOPE = re.compile(r"pma|\d[\dAB]\d{3}")


def init_app(server) -> None:
    server.register_blueprint(reports)


def _report(month: str, scope: str):
    if not MONTH.fullmatch(month) or not SCOPE.fullmatch(scope):
        abort(404)
    report = find_report(get_session(), month, scope)
    if report is None:
        abort(404)
    return report


@reports.get("/<month>/<scope>.html")
def report_html(month: str, scope: str):
    report = _report(month, scope)
    return Response(report.html, mimetype="text/html")


@reports.get("/<month>/<scope>.pdf")
def report_pdf(month: str, scope: str):
    report = _report(month, scope)
    if report.pdf is None:
        abort(404)
    return Response(
        report.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename=synthese-{month}-{scope}.pdf"
        },
    )
