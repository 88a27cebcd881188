"""System page callbacks: refreshed every 5 s, and when the window changes."""

from __future__ import annotations

import logging

from dash import Input, Output, State, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from components.feed import local_time
from components.kpi import number_fr
from components.quality import job_runs_table
from components.system_charts import dead_reasons_chart, latency_chart, rate_chart
from components.system_view import (
    banners,
    db_banner,
    jobs_summary_table,
    status_cards,
    workers_table,
)
from db.engine import get_session
from db.types import utcnow
from services.context import settings
from services.system_status import (
    latest_dead_letters,
    recent_job_runs,
    system_overview,
)

log = logging.getLogger(__name__)
HISTORY_POINTS = 120  # 10 minutes of 5 s refreshes
STALE_MS = 15_000  # three refreshes missed
# When the database is down, even the login check fails and the server answers
# nothing useful: the browser itself notices that refreshes stopped succeeding.
MARK_OK_JS = "function(_history) { return Date.now(); }"
STALE_JS = """function(_n, okAt) {
    if (!okAt || Date.now() - okAt < STALE_MS) { return [{display: "none"}, ""]; }
    var since = new Date(okAt).toLocaleTimeString("fr-FR");
    return [{}, "Aucune mise à jour réussie depuis " + since + "."];
}""".replace("STALE_MS", str(STALE_MS))
TIME = "%d/%m %H:%M:%S"


def sources_table(overview: dict):
    rows = [
        html.Tr(
            [
                html.Td(s["source"]),
                html.Td(local_time(s["last"], TIME)),
                html.Td(f"{s['age_s']:.0f} s"),
                html.Td(number_fr(s["accepted"])),
                html.Td(number_fr(s["rejected"])),
                html.Td(number_fr(s["duplicates"])),
            ]
        )
        for s in overview["sources"]
    ]
    headers = ("Source", "Dernier message", "Âge", "Acceptés", "Refusés", "Doublons")
    return html.Div(
        [
            html.H2("Par source (compteurs : dernière heure)", className="h6"),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h) for h in headers])),
                    html.Tbody(rows or [html.Tr(html.Td("aucun message", colSpan=6))]),
                ],
                className="table table-sm table-striped small",
                id="systeme-source-table",
            ),
        ]
    )


def refresh(window: str, history: list | None) -> tuple:
    """Every output of the page, from one consistent read of the database."""
    session = get_session()
    overview = system_overview(session, settings(), window=window)
    dead = [
        {**d, "received_at": local_time(d["received_at"], TIME)}
        for d in latest_dead_letters(session)
    ]
    runs = recent_job_runs(session)
    now = overview["now"]
    point = [now.isoformat(), round(overview["db"]["latency_ms"], 2)]
    history = ((history or []) + [point])[-HISTORY_POINTS:]
    updated = local_time(now, TIME)
    return (
        banners(overview),
        status_cards(overview),
        workers_table(overview),
        rate_chart(overview["per_minute"]),
        sources_table(overview),
        dead_reasons_chart(overview["dead_reasons"], overview["dead_window"]),
        dead,
        jobs_summary_table(overview["jobs"]),
        job_runs_table(runs),
        history,
        latency_chart(history),
        f"Mis à jour le {updated} (heure de Paris)",
        updated,
    )


def register(app) -> None:
    app.clientside_callback(
        MARK_OK_JS,
        Output("systeme-client-ok", "data"),
        Input("systeme-db-history", "data"),
    )
    app.clientside_callback(
        STALE_JS,
        Output("systeme-stale", "style"),
        Output("systeme-stale-since", "children"),
        Input("systeme-interval", "n_intervals"),
        State("systeme-client-ok", "data"),
    )

    @app.callback(
        Output("systeme-banner", "children"),
        Output("systeme-status", "children"),
        Output("systeme-workers", "children"),
        Output("systeme-rate-chart", "figure"),
        Output("systeme-sources", "children"),
        Output("systeme-dead-chart", "figure"),
        Output("systeme-dead-letters", "rowData"),
        Output("systeme-jobs-summary", "children"),
        Output("systeme-jobs", "children"),
        Output("systeme-db-history", "data"),
        Output("systeme-latency-chart", "figure"),
        Output("systeme-updated", "children"),
        Output("systeme-last-ok", "data"),
        Input("systeme-interval", "n_intervals"),
        Input("systeme-dead-window", "value"),
        State("systeme-db-history", "data"),
        State("systeme-last-ok", "data"),
    )
    def update_system_status(_n, window, history, last_ok):
        try:
            return refresh(window, history)
        except SQLAlchemyError:
            # a query failed (lock, timeout, lost connection) although the login
            # check passed: say it plainly, keep the last figures, no traceback
            log.warning("page système : la base de données ne répond pas")
            failed = local_time(utcnow(), TIME)
            return (
                db_banner(last_ok),
                *([no_update] * 10),
                f"Échec du rafraîchissement le {failed} : base de données muette",
                no_update,
            )
