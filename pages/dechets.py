"""Bins: the filtered map and the sortable grid of every bin, with CSV export."""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy import select

from components.maps import status_legend, territory_map
from db.engine import get_session
from db.models import Commune
from services.bins import KIND_LABELS, SENSOR_STATES, list_bins
from services.context import settings, thresholds
from services.geojson import bins_geojson, communes_geojson
from services.live import data_version

dash.register_page(
    __name__,
    path="/dechets",
    name="Bacs",
    title="Bacs · Hyperviseur",
    icon="bi-trash3",
    order=10,
)

FILL_CLASS_LABELS = {
    "0-50": "Moins de 50 %",
    "50-80": "50 à 80 %",
    "80-100": "80 à 100 %",
    "100": "Débordement (100 %)",
}
COLUMNS = [
    {"field": "code", "headerName": "Bac", "cellRenderer": "markdown", "minWidth": 170},
    {"field": "kind_label", "headerName": "Type", "colId": "kind"},
    {"field": "commune_name", "headerName": "Commune"},
    {"field": "fill_pct", "headerName": "Remplissage (%)", "type": "numericColumn"},
    {"field": "status_label", "headerName": "État", "sortable": False},
    {
        "field": "measured_at_fr",
        "headerName": "Dernière mesure",
        "colId": "measured_at",
    },
    {"field": "battery_pct", "headerName": "Batterie (%)", "type": "numericColumn"},
    {
        "field": "temperature_c",
        "headerName": "Température (°C)",
        "type": "numericColumn",
    },
    {"field": "capacity_l", "headerName": "Volume (L)", "type": "numericColumn"},
]


def _select(component_id: str, label: str, options: dict):
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id),
            dcc.Dropdown(
                id=component_id,
                options=[{"label": v, "value": k} for k, v in options.items()],
                placeholder="Toutes",
                clearable=True,
            ),
        ],
        md=3,
    )


def layout(**_kwargs):
    session = get_session()
    rows = session.execute(select(Commune.insee, Commune.name).order_by(Commune.name))
    communes = {insee: name for insee, name in rows}
    items, total = list_bins(session, thresholds=thresholds())
    return html.Div(
        [
            html.H1("Bacs et capteurs", className="h3"),
            dbc.Row(
                [
                    _select("dechets-commune", "Commune", communes),
                    _select("dechets-kind", "Type de bac", KIND_LABELS),
                    _select("dechets-fill", "Remplissage", FILL_CLASS_LABELS),
                    _select("dechets-status", "État du capteur", SENSOR_STATES),
                ],
                className="g-2 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            territory_map(
                                "dechets-map",
                                communes_geojson(session),
                                bins_geojson(items),
                                "dechets-bins",
                                settings()["TILE_URL"],
                            ),
                            status_legend(),
                            html.Div(id="dechets-selected", className="mt-2"),
                        ],
                        lg=5,
                    ),
                    dbc.Col(
                        [
                            html.Div(
                                [
                                    html.Span(
                                        f"{total} bacs",
                                        id="dechets-count",
                                        className="me-auto fw-semibold",
                                    ),
                                    dbc.Button(
                                        [
                                            html.I(className="bi bi-download me-2"),
                                            "Exporter en CSV",
                                        ],
                                        id="dechets-export",
                                        href="/dechets/export.csv",
                                        external_link=True,
                                        color="secondary",
                                        outline=True,
                                    ),
                                ],
                                className="d-flex align-items-center mb-2",
                            ),
                            dag.AgGrid(
                                id="dechets-grid",
                                columnDefs=COLUMNS,
                                defaultColDef={
                                    "sortable": True,
                                    "resizable": True,
                                    "flex": 1,
                                    "minWidth": 110,
                                },
                                rowModelType="infinite",
                                dashGridOptions={
                                    "cacheBlockSize": 100,
                                    "maxBlocksInCache": 20,
                                    "rowHeight": 44,
                                    "localeText": {
                                        "loadingOoo": "Chargement…",
                                        "noRowsToShow": "Aucun bac",
                                    },
                                },
                                style={"height": "62vh"},
                            ),
                        ],
                        lg=7,
                    ),
                ],
                className="g-3",
            ),
            dcc.Store(
                id="dechets-map-state",
                data={
                    "version": data_version(session),
                    "codes": [i["code"] for i in items],
                },
            ),
            dcc.Interval(id="dechets-interval", interval=5_000),
        ]
    )
