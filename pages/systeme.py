"""System: ingest workers, broker, message rates, dead letters, jobs, database."""

import logging

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from components.quality import quality_panel
from db.engine import get_session
from services.forecast_jobs import latest_quality
from services.system_status import DEFAULT_WINDOW, WINDOWS

dash.register_page(
    __name__,
    path="/systeme",
    name="Système",
    title="Système · Hyperviseur",
    icon="bi-hdd-network",
    order=90,
)

log = logging.getLogger(__name__)
DEAD_COLUMNS = [
    {"field": "received_at", "headerName": "Reçu le", "maxWidth": 170},
    {"field": "reason", "headerName": "Motif du refus", "flex": 2},
    {"field": "topic", "headerName": "Sujet MQTT", "flex": 2},
    {"field": "payload_size", "headerName": "Taille (octets)", "maxWidth": 140},
    {"field": "payload_excerpt", "headerName": "Début du message", "flex": 3},
]


def _graph(graph_id: str):
    # delay_show: a refresh every 5 s must not blink; a slow first load shows a dot
    return dcc.Loading(
        dcc.Graph(id=graph_id, config={"displaylogo": False}),
        type="dot",
        delay_show=800,
    )


def _quality():
    try:
        return quality_panel(latest_quality(get_session()))
    except SQLAlchemyError:  # the banner above says the database is down
        log.warning("qualité des prévisions indisponible : base muette")
        return html.P("Indisponible : la base de données ne répond pas.")


def _window_choice():
    return dbc.RadioItems(
        id="systeme-dead-window",
        options=[{"label": label, "value": key} for key, (label, _) in WINDOWS.items()],
        value=DEFAULT_WINDOW,
        inline=True,
        className="small",
    )


def layout(**_kwargs):
    return html.Div(
        [
            html.Div(
                [
                    html.H1("État du système", className="h3 mb-0 me-3"),
                    html.Small(
                        "Chargement…", id="systeme-updated", className="text-muted"
                    ),
                ],
                className="d-flex align-items-baseline flex-wrap mb-2",
            ),
            dbc.Alert(
                [
                    html.Strong("Le serveur ou la base de données ne répond plus. "),
                    html.Span(id="systeme-stale-since"),
                    " Les chiffres affichés ne sont plus à jour ; la page réessaie "
                    "toutes les 5 s.",
                ],
                id="systeme-stale",
                color="danger",
                className="mb-2",
                style={"display": "none"},
            ),
            html.Div(id="systeme-banner"),
            dcc.Loading(
                html.Div(id="systeme-status", className="mb-3"),
                type="dot",
                delay_show=800,
            ),
            html.H2("Workers d'ingestion", className="h5"),
            html.Div(id="systeme-workers", className="mb-3"),
            dbc.Row(
                [
                    dbc.Col(_graph("systeme-rate-chart"), lg=8),
                    dbc.Col(html.Div(id="systeme-sources"), lg=4),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col([_window_choice(), _graph("systeme-dead-chart")], lg=6),
                    dbc.Col(_graph("systeme-latency-chart"), lg=6),
                ],
                className="g-3 mb-3",
            ),
            html.H2("Messages refusés (200 derniers)", className="h5"),
            dag.AgGrid(
                id="systeme-dead-letters",
                columnDefs=DEAD_COLUMNS,
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "filter": True,
                    "flex": 1,
                },
                dashGridOptions={
                    "localeText": {"noRowsToShow": "Aucun message refusé"}
                },
                style={"height": "40vh"},
            ),
            html.H2("Tâches planifiées : état par tâche", className="h5 mt-4"),
            html.Div(id="systeme-jobs-summary"),
            html.H2("Tâches planifiées : 20 dernières exécutions", className="h5"),
            html.Div(id="systeme-jobs"),
            html.H2("Qualité des prévisions", className="h5 mt-4"),
            _quality(),
            dcc.Store(id="systeme-db-history", storage_type="memory"),
            dcc.Store(id="systeme-last-ok", storage_type="memory"),
            dcc.Store(id="systeme-client-ok", storage_type="memory"),
            dcc.Interval(id="systeme-interval", interval=5_000),
        ]
    )
