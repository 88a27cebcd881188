"""Collection planning: bins predicted above threshold, optimised rounds, exports."""

from datetime import date, timedelta

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from components.maps import territory_map
from db.engine import get_session
from services.context import settings
from services.geojson import communes_geojson
from services.planning import depots

dash.register_page(
    __name__,
    path="/dechets/tournees",
    name="Tournées",
    title="Tournées · Hyperviseur",
    icon="bi-truck",
    order=20,
)

CANDIDATE_COLUMNS = [
    {
        "field": "code",
        "headerName": "Bac",
        "minWidth": 190,
    },
    {"field": "kind", "headerName": "Type"},
    {"field": "commune", "headerName": "Commune"},
    {
        "field": "fill_pct",
        "headerName": "Remplissage actuel (%)",
        "type": "numericColumn",
    },
    {
        "field": "expected_fill_pct",
        "headerName": "Prévu au départ (%)",
        "type": "numericColumn",
    },
    {"field": "alert_eta_fr", "headerName": "Seuil atteint le"},
    {
        "field": "volume_l",
        "headerName": "Volume à collecter (L)",
        "type": "numericColumn",
    },
]


def _field(label: str, control, width: int = 2):
    return dbc.Col([dbc.Label(label, html_for=control.id), control], md=width)


def layout(**_kwargs):
    config = settings()
    depot_options = [
        {"label": d.name, "value": i} for i, d in enumerate(depots(config))
    ]
    controls = dbc.Row(
        [
            _field(
                "Jour de collecte",
                dcc.DatePickerSingle(
                    id="tournees-day",
                    date=(date.today() + timedelta(days=1)).isoformat(),
                    display_format="DD/MM/YYYY",
                    first_day_of_week=1,
                ),
                2,
            ),
            _field(
                "Dépôt",
                dcc.Dropdown(
                    id="tournees-depot", options=depot_options, value=0, clearable=False
                ),
                3,
            ),
            _field(
                "Camions",
                dbc.Input(
                    id="tournees-trucks", type="number", min=1, max=20, step=1, value=6
                ),
                1,
            ),
            _field(
                "Capacité par camion (L)",
                dbc.Input(
                    id="tournees-capacity",
                    type="number",
                    min=500,
                    step=500,
                    value=20000,
                ),
                2,
            ),
            _field(
                "Durée de service (h)",
                dbc.Input(
                    id="tournees-shift", type="number", min=1, max=12, step=0.5, value=7
                ),
                2,
            ),
            dbc.Col(
                dbc.Button(
                    [html.I(className="bi bi-search me-2"), "Bacs à collecter"],
                    id="tournees-search",
                    color="primary",
                    className="w-100 mt-4",
                ),
                md=2,
            ),
        ],
        className="g-2 mb-3",
    )
    return html.Div(
        [
            html.H1("Tournées de collecte", className="h3"),
            html.P(
                "Les bacs proposés sont ceux dont la prévision dépasse le seuil de "
                "collecte avant la fin du jour choisi. Décochez ou ajoutez des bacs, "
                "puis calculez les tournées.",
                className="text-muted",
            ),
            controls,
            html.Div(id="tournees-candidates-summary", className="mb-2 fw-semibold"),
            dag.AgGrid(
                id="tournees-candidates",
                columnDefs=CANDIDATE_COLUMNS,
                rowData=[],
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "flex": 1,
                    "minWidth": 120,
                },
                dashGridOptions={
                    "rowSelection": {
                        "mode": "multiRow",
                        "checkboxes": True,
                        "headerCheckbox": True,
                        "enableClickSelection": False,
                    },
                    "rowHeight": 44,
                    "localeText": {"noRowsToShow": "Aucun bac à collecter"},
                },
                style={"height": "34vh"},
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id="tournees-add",
                            placeholder="Ajouter un bac (code)…",
                            searchable=True,
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Button(
                            "Ajouter",
                            id="tournees-add-button",
                            color="secondary",
                            outline=True,
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        dbc.Button(
                            [
                                html.I(className="bi bi-signpost-split me-2"),
                                "Calculer les tournées",
                            ],
                            id="tournees-solve",
                            color="success",
                            className="w-100",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dbc.Button(
                            [
                                html.I(className="bi bi-send me-2"),
                                "Enregistrer et envoyer aux équipes",
                            ],
                            id="tournees-save",
                            color="primary",
                            disabled=True,
                            className="w-100",
                        ),
                        md=3,
                    ),
                ],
                className="g-2 my-3",
            ),
            dcc.Loading(
                html.Div(id="tournees-result"),
                type="default",
                overlay_style={"visibility": "visible", "opacity": 0.5},
                custom_spinner=html.Div(
                    [
                        dbc.Spinner(color="success"),
                        html.Div("Optimisation des tournées (10 s au plus)…"),
                    ]
                ),
            ),
            dbc.Row(
                [
                    dbc.Col(
                        territory_map(
                            "tournees-map",
                            communes_geojson(get_session()),
                            None,
                            None,
                            config["TILE_URL"],
                            extra_layers=(dl.LayerGroup(id="tournees-routes"),),
                        ),
                        lg=7,
                    ),
                    dbc.Col(html.Div(id="tournees-list"), lg=5),
                ],
                className="g-3 mt-1",
            ),
            html.Div(id="tournees-saved", className="mt-3"),
            html.H2("Bilan de la collecte pilotée par capteurs", className="h5 mt-4"),
            dcc.RadioItems(
                id="tournees-period",
                value=30,
                inline=True,
                options=[
                    {"label": " 7 jours ", "value": 7},
                    {"label": " 30 jours ", "value": 30},
                ],
                inputClassName="me-1",
                labelClassName="me-3",
            ),
            html.Div(id="tournees-savings", className="mt-2"),
            dcc.Store(id="tournees-plan"),
        ]
    )
