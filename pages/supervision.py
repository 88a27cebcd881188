"""Supervision: live KPIs, the map of every bin, and the alert feed."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.maps import status_legend, territory_map
from db.engine import get_session
from services.bins import list_bins
from services.context import settings, thresholds
from services.geojson import bins_geojson, communes_geojson
from services.live import data_version

dash.register_page(
    __name__,
    path="/",
    name="Supervision",
    title="Supervision · Hyperviseur",
    icon="bi-speedometer2",
    order=0,
)


def layout(**_kwargs):
    session = get_session()
    items, _ = list_bins(session, thresholds=thresholds())
    return html.Div(
        [
            html.H1("Supervision du territoire", className="h3"),
            dcc.Loading(html.Div(id="supervision-kpis", className="mb-3"), type="dot"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            territory_map(
                                "supervision-map",
                                communes_geojson(session),
                                bins_geojson(items),
                                "supervision-bins",
                                settings()["TILE_URL"],
                            ),
                            status_legend(),
                        ],
                        lg=8,
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    [
                                        html.I(className="bi bi-bell me-2"),
                                        "Dernières alertes",
                                    ]
                                ),
                                html.Div(id="supervision-alerts", className="hv-feed"),
                            ],
                            className="shadow-sm",
                        ),
                        lg=4,
                    ),
                ],
                className="g-3",
            ),
            dcc.Store(
                id="supervision-map-state",
                data={
                    "version": data_version(session),
                    "codes": [i["code"] for i in items],
                },
            ),
            dcc.Interval(id="supervision-interval", interval=5_000),
        ]
    )
