"""Administration: API tokens of the source apps (create, list, revoke)."""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from services.users import TOKEN_SCOPES

dash.register_page(
    __name__,
    path="/admin",
    name="Admin",
    title="Administration · Hyperviseur",
    icon="bi-gear",
    order=90,
)

COLUMNS = [
    {"field": "id", "headerName": "N°", "maxWidth": 80},
    {"field": "name", "headerName": "Nom"},
    {"field": "scope", "headerName": "Portée"},
    {"field": "created", "headerName": "Créé le"},
    {"field": "used", "headerName": "Dernier usage"},
    {"field": "state", "headerName": "État"},
]


def layout(**_kwargs):
    return html.Div(
        [
            html.H1("Administration · jetons d'API", className="h3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Input(id="admin-token-name", placeholder="Nom du jeton"),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Select(
                            id="admin-token-scope",
                            options=[{"label": s, "value": s} for s in TOKEN_SCOPES],
                            value="incidents",
                        ),
                        md=2,
                    ),
                    dbc.Col(dbc.Button("Créer", id="admin-token-create"), md=2),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id="admin-token-created", className="mb-3"),
            dag.AgGrid(
                id="admin-tokens",
                columnDefs=COLUMNS,
                defaultColDef={"flex": 1, "sortable": True},
                dashGridOptions={"rowSelection": {"mode": "singleRow"}},
                getRowId="params.data.id",
                style={"height": "40vh"},
            ),
            dbc.Button(
                "Révoquer le jeton sélectionné",
                id="admin-token-revoke",
                color="danger",
                outline=True,
                className="mt-2",
            ),
            html.Div(id="admin-token-feedback", className="small mt-2"),
        ]
    )
