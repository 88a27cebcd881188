"""System page callbacks: refreshed every few seconds."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, html

from components.feed import local_time
from components.kpi import kpi_card, number_fr
from components.quality import job_runs_table
from db.engine import get_session
from services.context import settings
from services.system_status import (
    latest_dead_letters,
    recent_job_runs,
    system_overview,
)

BROKER_STATES = {
    "connected": ("Connecté et abonné", "success"),
    "disconnected": ("Déconnecté (reconnexion automatique)", "danger"),
    "absent": ("Listener arrêté", "danger"),
}


def rate_chart(per_minute: list[dict]) -> go.Figure:
    frame = pd.DataFrame(
        per_minute, columns=["minute", "source", "accepted", "rejected", "duplicates"]
    )
    fig = go.Figure()
    if not frame.empty:
        grouped = frame.groupby("minute")[["accepted", "rejected", "duplicates"]].sum()
        times = pd.to_datetime(grouped.index, utc=True).tz_convert("Europe/Paris")
        for column, label, color in (
            ("accepted", "Acceptés", "#2e7d32"),
            ("duplicates", "Doublons", "#95a5a6"),
            ("rejected", "Refusés", "#c0392b"),
        ):
            fig.add_bar(x=times, y=grouped[column], name=label, marker_color=color)
    fig.update_xaxes(tickformat="%H:%M")
    fig.update_layout(
        barmode="stack",
        height=300,
        template="plotly_white",
        separators=", ",
        title={"text": "Messages par minute (dernière heure)", "font": {"size": 15}},
        yaxis_title="messages / min",
        margin={"l": 50, "r": 10, "t": 40, "b": 35},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def status_cards(overview: dict):
    if overview["mqtt_enabled"]:
        label, color = BROKER_STATES.get(
            overview["ingest"]["state"], ("Inconnu", "warning")
        )
    else:
        label, color = "Désactivé (simulateur intégré)", "secondary"
    totals = overview["totals"]
    cards = [
        kpi_card(
            "Broker MQTT",
            html.Span(label, id="systeme-broker-state"),
            color=color,
            compact=True,
            hint=f"Reconnexions : {overview['ingest']['reconnects']}",
        ),
        kpi_card(
            "Messages enregistrés",
            number_fr(totals["accepted"]),
            "messages",
            color="success",
            card_id="systeme-accepted",
        ),
        kpi_card(
            "Messages refusés",
            number_fr(totals["rejected"]),
            "messages",
            color="danger",
            card_id="systeme-rejected",
        ),
        kpi_card("Doublons ignorés", number_fr(totals["duplicates"]), "messages"),
    ]
    return dbc.Row([dbc.Col(c, md=3) for c in cards], className="g-3")


def sources_table(overview: dict):
    rows = [
        html.Tr(
            [
                html.Td(s["source"]),
                html.Td(f"{s['age_s']:.0f} s"),
                html.Td(local_time(s["last"], "%d/%m %H:%M:%S")),
            ]
        )
        for s in overview["sources"]
    ]
    reasons = [
        html.Li(f"{reason} : {count}") for reason, count in overview["dead_reasons"]
    ]
    return html.Div(
        [
            html.H2("Dernier message par source", className="h6"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr([html.Th("Source"), html.Th("Âge"), html.Th("Heure")])
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                striped=True,
            ),
            html.H2("Refus par motif (24 h)", className="h6"),
            html.Ul(reasons or [html.Li("aucun")], className="small"),
        ]
    )


def register(app) -> None:
    @app.callback(
        Output("systeme-status", "children"),
        Output("systeme-rate-chart", "figure"),
        Output("systeme-sources", "children"),
        Output("systeme-dead-letters", "rowData"),
        Output("systeme-jobs", "children"),
        Input("systeme-interval", "n_intervals"),
    )
    def update_system_status(_n):
        session = get_session()
        overview = system_overview(session, bool(settings()["MQTT_URL"]))
        dead = [
            {**d, "received_at": local_time(d["received_at"], "%d/%m %H:%M:%S")}
            for d in latest_dead_letters(session)
        ]
        return (
            status_cards(overview),
            rate_chart(overview["per_minute"]),
            sources_table(overview),
            dead,
            job_runs_table(recent_job_runs(session)),
        )
