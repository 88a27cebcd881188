"""System: ingest and broker status, message rates, dead letters."""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.quality import quality_panel
from db.engine import get_session
from services.forecast_jobs import latest_quality

dash.register_page(
    __name__,
    path="/systeme",
    name="Système",
    title="Système · Hyperviseur",
    icon="bi-hdd-network",
    order=90,
)

DEAD_COLUMNS = [
    {"field": "received_at", "headerName": "Reçu le", "maxWidth": 170},
    {"field": "reason", "headerName": "Motif du refus", "flex": 2},
    {"field": "topic", "headerName": "Sujet MQTT", "flex": 2},
    {"field": "payload_size", "headerName": "Taille (octets)", "maxWidth": 140},
    {"field": "payload_excerpt", "headerName": "Début du message", "flex": 3},
]


def layout(**_kwargs):
    return html.Div(
        [
            html.H1("État du système", className="h3"),
            dcc.Loading(html.Div(id="systeme-status", className="mb-3"), type="dot"),
            dbc.Row(
                [
                    dbc.Col(dcc.Graph(id="systeme-rate-chart"), lg=8),
                    dbc.Col(html.Div(id="systeme-sources"), lg=4),
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
            html.H2("Tâches planifiées (20 dernières exécutions)", className="h5 mt-4"),
            html.Div(id="systeme-jobs"),
            html.H2("Qualité des prévisions", className="h5 mt-4"),
            quality_panel(latest_quality(get_session())),
            dcc.Interval(id="systeme-interval", interval=5_000),
        ]
    )
