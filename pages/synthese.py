"""Summary for elected officials: the period's figures and their trend, for the
agglomeration or one commune compared with it."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.synthese_content import reports_block, summary_content
from db.engine import get_session
from services.context import settings, thresholds
from services.periods import KINDS
from services.reports import list_reports
from services.synthese import build_summary, commune_options

dash.register_page(
    __name__,
    path="/synthese",
    name="Synthèse",
    title="Synthèse · Hyperviseur",
    icon="bi-clipboard-data",
    order=50,
)


def controls(period: str, commune: str | None, options: list[dict]):
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Période", html_for="synthese-period"),
                    dbc.RadioItems(
                        id="synthese-period",
                        options=[{"label": v, "value": k} for k, v in KINDS.items()],
                        value=period,
                        inline=True,
                        input_class_name="btn-check",
                        label_class_name="btn btn-outline-primary",
                        label_checked_class_name="active",
                        class_name="btn-group hv-synthese-choices",
                    ),
                ],
                md="auto",
            ),
            dbc.Col(
                [
                    dbc.Label("Commune", html_for="synthese-commune"),
                    dcc.Dropdown(
                        id="synthese-commune",
                        options=options,
                        value=commune,
                        placeholder="Toute l'agglomération",
                        clearable=True,
                    ),
                ],
                md=4,
            ),
            dbc.Col(
                dbc.Button(
                    [html.I(className="bi bi-printer me-2"), "Imprimer"],
                    id="synthese-print",
                    color="secondary",
                    outline=True,
                ),
                md="auto",
                className="d-flex align-items-end",
            ),
        ],
        className="g-3 mb-2 hv-no-print align-items-end",
    )


def layout(periode: str = "mois", commune: str | None = None, **_kwargs):
    session = get_session()
    period = periode if periode in KINDS else "mois"
    options = commune_options(session)
    if commune not in {o["value"] for o in options}:
        commune = None
    data = build_summary(session, period, commune, settings(), thresholds())
    return html.Div(
        [
            controls(period, commune, options),
            dcc.Loading(
                html.Div(summary_content(data), id="synthese-content"),
                type="default",
            ),
            html.Div(
                reports_block(list_reports(session, commune)),
                id="synthese-reports",
                className="hv-no-print",
            ),
        ],
        className="hv-synthese",
    )
