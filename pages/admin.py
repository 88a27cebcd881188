"""Administration: users, API tokens of the source apps, and the security log."""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from services.access import ROLE_LABELS
from services.users import MIN_PASSWORD_LENGTH, TOKEN_SCOPES

dash.register_page(
    __name__,
    path="/admin",
    name="Admin",
    title="Administration · Hyperviseur",
    icon="bi-gear",
    order=90,
)

TOKEN_COLUMNS = [
    {"field": "id", "headerName": "N°", "maxWidth": 80},
    {"field": "name", "headerName": "Nom"},
    {"field": "scope", "headerName": "Portée"},
    {"field": "created", "headerName": "Créé le"},
    {"field": "used", "headerName": "Dernier usage"},
    {"field": "state", "headerName": "État"},
]
USER_COLUMNS = [
    {"field": "username", "headerName": "Identifiant"},
    {"field": "role", "headerName": "Rôle"},
    {"field": "state", "headerName": "État", "maxWidth": 120},
    {"field": "created", "headerName": "Créé le", "maxWidth": 170},
]
AUDIT_COLUMNS = [
    {"field": "at", "headerName": "Date (heure de Paris)", "maxWidth": 190},
    {"field": "label", "headerName": "Événement"},
    {"field": "actor", "headerName": "Par"},
    {"field": "target", "headerName": "Cible"},
    {"field": "source_ip", "headerName": "Adresse IP", "maxWidth": 150},
    {"field": "detail", "headerName": "Détail"},
]


def grid(grid_id: str, columns: list[dict], height: str, **options):
    grid_options = {"localeText": {"noRowsToShow": "Aucune ligne"}}
    grid_options.update(options.pop("dashGridOptions", {}))
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        defaultColDef={"flex": 1, "sortable": True, "resizable": True},
        dashGridOptions=grid_options,
        style={"height": height},
        **options,
    )


def users_section():
    roles = [{"label": label, "value": role} for role, label in ROLE_LABELS.items()]
    return html.Section(
        [
            html.H2("Utilisateurs", className="h5"),
            dbc.Row(
                [
                    dbc.Col(dbc.Input(id="admin-user-name", placeholder="Identifiant")),
                    dbc.Col(
                        dbc.Select(
                            id="admin-user-role", options=roles, placeholder="Rôle"
                        )
                    ),
                    dbc.Col(
                        dbc.Input(
                            id="admin-user-password",
                            type="password",
                            autoComplete="new-password",
                            placeholder=f"Mot de passe ({MIN_PASSWORD_LENGTH} "
                            "caractères min.)",
                        )
                    ),
                    dbc.Col(dbc.Button("Enregistrer", id="admin-user-save"), md=2),
                ],
                className="g-2 mb-1",
            ),
            html.P(
                "Un identifiant existant sans mot de passe : seul son rôle change.",
                className="small text-muted mb-2",
            ),
            *selectable_grid(
                "admin-users",
                USER_COLUMNS,
                "params.data.username",
                ("Désactiver / réactiver l'utilisateur sélectionné", "secondary"),
                action_id="admin-user-toggle",
                feedback_id="admin-user-feedback",
            ),
        ],
        className="mb-4",
    )


def selectable_grid(grid_id, columns, row_id, action, action_id, feedback_id) -> list:
    """A one-row-selection grid, the button acting on the selection, its feedback."""
    label, color = action
    return [
        grid(
            grid_id,
            columns,
            "30vh",
            dashGridOptions={"rowSelection": {"mode": "singleRow"}},
            getRowId=row_id,
        ),
        dbc.Button(label, id=action_id, color=color, outline=True, className="mt-2"),
        html.Div(id=feedback_id, className="small mt-2"),
    ]


def tokens_section():
    return html.Section(
        [
            html.H2("Jetons d'API", className="h5"),
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
            *selectable_grid(
                "admin-tokens",
                TOKEN_COLUMNS,
                "params.data.id",
                ("Révoquer le jeton sélectionné", "danger"),
                action_id="admin-token-revoke",
                feedback_id="admin-token-feedback",
            ),
        ],
        className="mb-4",
    )


def audit_section():
    return html.Section(
        [
            html.H2("Journal de sécurité", className="h5"),
            html.P(
                "Connexions, échecs de connexion, changements d'utilisateurs et de "
                "jetons ; les 200 derniers événements. Source : journal d'audit de "
                "l'hyperviseur.",
                className="small text-muted mb-2",
            ),
            grid("admin-audit", AUDIT_COLUMNS, "40vh"),
        ]
    )


def layout(**_kwargs):
    return html.Div(
        [
            html.H1("Administration", className="h3"),
            users_section(),
            tokens_section(),
            audit_section(),
        ]
    )
