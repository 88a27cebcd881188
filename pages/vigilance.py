"""Vigilance: every incident of the agglomeration, its map, detail and lifecycle."""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user
from sqlalchemy import select

from components.maps import territory_map
from components.vigilance import STATUS_BUTTONS
from components.vigilance import select as filter_select
from components.vigilance_map import controls as map_controls
from components.vigilance_map import layers as map_layers
from db.engine import get_session
from db.models import Commune
from services import incident_context as crime
from services.access import ADMIN, SECURITY
from services.context import settings
from services.geojson import communes_geojson
from services.incident_lifecycle import STATUSES, assignee_options
from services.incident_queries import PERIOD_LABELS
from services.incidents import CATEGORIES, SEVERITIES

dash.register_page(
    __name__,
    path="/vigilance",
    name="Vigilance",
    title="Vigilance · Hyperviseur",
    icon="bi-shield-exclamation",
    order=30,
)

PRIVILEGED = (ADMIN, SECURITY)
COLUMNS = [
    {"field": "id", "headerName": "N°", "maxWidth": 80},
    {"field": "ts_fr", "headerName": "Signalé le", "colId": "ts", "minWidth": 140},
    {"field": "category_label", "headerName": "Catégorie", "colId": "category"},
    {"field": "severity_label", "headerName": "Gravité", "colId": "severity"},
    {"field": "status_label", "headerName": "Statut", "colId": "status"},
    {
        "field": "late",
        "headerName": "Délai",
        "sortable": False,
        "minWidth": 170,
        "cellClassRules": {"hv-late-text": "params.data && params.data.late_flag"},
    },
    {
        "field": "due",
        "headerName": "Échéance",
        "sortable": False,
        "minWidth": 200,
        "tooltipField": "due",
    },
    {"field": "commune_name", "headerName": "Commune"},
    {"field": "assignee", "headerName": "Affecté à"},
]
# Late rows stand out on a wall screen: red for acknowledgement, orange otherwise.
ROW_CLASS_RULES = {
    "hv-row-late-ack": "params.data && params.data.overdue_ack",
    "hv-row-late": "params.data && params.data.overdue_resolve",
}


def _actions(assignees: list[str]):
    buttons = [
        dbc.Button(label, id=f"vigilance-{key}", color=color, size="sm", disabled=True)
        for key, _status, label, color in STATUS_BUTTONS
    ]
    return html.Div(
        [
            _reporter_block(),
            html.Div(buttons, className="d-flex flex-wrap gap-2 mb-2"),
            dbc.InputGroup(
                [
                    dbc.Select(
                        id="vigilance-assignee",
                        options=[{"label": a, "value": a} for a in assignees],
                        placeholder="Affecter à…",
                    ),
                    dbc.Button("Affecter", id="vigilance-assign", color="primary"),
                ],
                size="sm",
                className="mb-2",
            ),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id="vigilance-duplicate-of",
                        type="number",
                        placeholder="N° de l'incident d'origine",
                    ),
                    dbc.Button("Marquer doublon", id="vigilance-duplicate"),
                ],
                size="sm",
                className="mb-2",
            ),
            dbc.Textarea(
                id="vigilance-comment",
                placeholder="Commentaire (joint à l'action ou seul)",
                className="mb-2",
            ),
            dbc.Button(
                "Ajouter le commentaire",
                id="vigilance-add-comment",
                size="sm",
                outline=True,
                color="secondary",
            ),
            html.Div(id="vigilance-feedback", className="small mt-2"),
        ],
        id="vigilance-actions",
        style={"display": "none"},
    )


def _reporter_block():
    """The reveal button exists only for roles allowed to read the reference."""
    button = []
    if current_user.role in PRIVILEGED:
        button = [
            dbc.Button(
                "Afficher la référence du signalant (tracé)",
                id="vigilance-reveal",
                size="sm",
                color="link",
            )
        ]
    return html.Div([*button, html.Span(id="vigilance-reporter")])


def _form():
    return dbc.Card(
        [
            dbc.CardHeader("Nouveau signalement (appel reçu)"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            filter_select(
                                "vigilance-form-category",
                                "Catégorie",
                                CATEGORIES,
                                md=6,
                                placeholder="Choisir…",
                            ),
                            filter_select(
                                "vigilance-form-severity",
                                "Gravité",
                                SEVERITIES,
                                md=6,
                                placeholder="Selon la catégorie",
                            ),
                        ],
                        className="g-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                dbc.Input(id="vigilance-form-lat", placeholder="Lat."),
                            ),
                            dbc.Col(
                                dbc.Input(id="vigilance-form-lon", placeholder="Lon."),
                            ),
                        ],
                        className="g-2 my-2",
                    ),
                    html.Small(
                        "Cliquez sur la carte pour placer le signalement.",
                        className="text-muted d-block mb-2",
                    ),
                    dbc.Textarea(
                        id="vigilance-form-description", placeholder="Description"
                    ),
                    dbc.Input(
                        id="vigilance-form-reporter",
                        placeholder="Référence de l'appelant (facultatif)",
                        className="my-2",
                    ),
                    dbc.Button("Enregistrer", id="vigilance-form-submit"),
                    html.Div(id="vigilance-form-feedback", className="small mt-2"),
                ]
            ),
        ],
        className="mt-3",
    )


def layout(**_kwargs):
    session = get_session()
    rows = session.execute(select(Commune.insee, Commune.name).order_by(Commune.name))
    communes = {insee: name for insee, name in rows}
    statuses = {
        "ouverts": "Ouverts (à traiter)",
        "en_retard": "En retard (prise en compte ou résolution)",
        **STATUSES,
    }
    return html.Div(
        [
            html.H1("Vigilance · incidents du territoire", className="h3"),
            dbc.Row(id="vigilance-kpis", className="g-3 mb-3"),
            dbc.Row(
                [
                    filter_select("vigilance-commune", "Commune", communes, md=3),
                    filter_select("vigilance-category", "Catégorie", CATEGORIES),
                    filter_select("vigilance-status", "Statut", statuses),
                    filter_select("vigilance-severity", "Gravité", SEVERITIES),
                    filter_select(
                        "vigilance-period", "Période", PERIOD_LABELS, value="30j", md=3
                    ),
                ],
                className="g-2 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            map_controls(
                                crime.years(), crime.GROUPS, crime.DEFAULT_GROUP
                            ),
                            territory_map(
                                "vigilance-map",
                                communes_geojson(session),
                                None,
                                None,
                                settings()["TILE_URL"],
                                extra_layers=map_layers(),
                            ),
                            html.Div(id="vigilance-map-legend"),
                            html.Div(id="vigilance-context-legend"),
                            _form(),
                        ],
                        lg=5,
                    ),
                    dbc.Col(
                        [
                            html.Span(id="vigilance-count", className="fw-semibold"),
                            dag.AgGrid(
                                id="vigilance-grid",
                                columnDefs=COLUMNS,
                                defaultColDef={
                                    "sortable": True,
                                    "resizable": True,
                                    "flex": 1,
                                    "minWidth": 90,
                                },
                                rowModelType="infinite",
                                rowClassRules=ROW_CLASS_RULES,
                                getRowId="params.data.id",
                                dashGridOptions={
                                    "cacheBlockSize": 100,
                                    "rowHeight": 40,
                                    "localeText": {
                                        "loadingOoo": "Chargement…",
                                        "noRowsToShow": "Aucun incident",
                                    },
                                },
                                style={"height": "42vh"},
                            ),
                            dbc.Card(
                                dbc.CardBody(
                                    [
                                        html.Div(
                                            html.Small(
                                                "Sélectionnez un incident dans la "
                                                "liste ou sur la carte.",
                                                className="text-muted",
                                            ),
                                            id="vigilance-detail",
                                        ),
                                        _actions(assignee_options(communes.values())),
                                    ]
                                ),
                                className="mt-3",
                            ),
                        ],
                        lg=7,
                    ),
                ],
                className="g-3",
            ),
            dcc.Store(id="vigilance-selected"),
            dcc.Store(id="vigilance-version", data=0),
            dcc.Interval(id="vigilance-interval", interval=5_000),
        ]
    )
