"""Summary page callbacks: the period and commune selectors rebuild the summary."""

from __future__ import annotations

from dash import Input, Output

from components.synthese_content import reports_block, summary_content
from db.engine import get_session
from services.context import settings, thresholds
from services.periods import KINDS
from services.reports import list_reports
from services.synthese import build_summary


def update_summary(period, commune):
    if period not in KINDS:
        period = "mois"
    if not isinstance(commune, str) or not commune:
        commune = None
    session = get_session()
    data = build_summary(session, period, commune, settings(), thresholds())
    return summary_content(data), reports_block(list_reports(session, commune))


def register(app) -> None:
    app.callback(
        Output("synthese-content", "children"),
        Output("synthese-reports", "children"),
        Input("synthese-period", "value"),
        Input("synthese-commune", "value"),
        prevent_initial_call=True,
    )(update_summary)
    app.clientside_callback(
        "function(n) { if (n) { window.print(); } return 0; }",
        Output("synthese-print", "n_clicks"),
        Input("synthese-print", "n_clicks"),
        prevent_initial_call=True,
    )
