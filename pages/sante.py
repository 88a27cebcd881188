"""Health coverage: practitioners per commune and GP accessibility, on the real map."""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.choropleth import choropleth_map
from components.kpi import kpi_card, number_fr
from components.sante_card import demo_badge
from components.sante_view import (
    grid_columns,
    grid_rows,
    map_state,
    method_note,
    source_line,
)
from db.engine import get_session
from services.context import settings
from services.geojson import communes_geojson
from services.health_indicators import GP, PROFESSIONS, coverage, underserved_threshold
from services.health_map import INDICATORS, map_geojson

dash.register_page(
    __name__,
    path="/sante",
    name="Santé",
    title="Santé · Hyperviseur",
    icon="bi-heart-pulse",
    order=40,
)

START = ("accessibilite", GP)


def _kpis(data):
    totals = data.totals
    return dbc.Row(
        [
            dbc.Col(kpi_card(*card, card_id=card_id), md=3)
            for card_id, card in (
                (
                    "sante-kpi-gp",
                    ("Médecins généralistes", number_fr(totals[GP]), "médecins"),
                ),
                (
                    "sante-kpi-density",
                    (
                        "Généralistes pour 10 000 habitants",
                        number_fr(totals["densite_generalistes"] or 0, 1),
                        "pour 10 000 hab.",
                    ),
                ),
                (
                    "sante-kpi-without",
                    (
                        "Communes sans médecin généraliste",
                        f"{totals['communes_sans_generaliste']} / {totals['communes']}",
                        "communes",
                    ),
                ),
                (
                    "sante-kpi-underserved",
                    (
                        "Habitants des communes sous-dotées",
                        number_fr(totals["population_sous_dotee"]),
                        "hab.",
                    ),
                ),
            )
        ],
        className="g-3 mb-3",
    )


def _controls():
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Indicateur", html_for="sante-indicator"),
                    dbc.RadioItems(
                        id="sante-indicator",
                        options=[
                            {"label": spec["label"], "value": key}
                            for key, spec in INDICATORS.items()
                        ],
                        value=START[0],
                        inline=True,
                        className="btn-group hv-sante-choices d-flex flex-wrap",
                        inputClassName="btn-check",
                        labelClassName="btn btn-outline-primary",
                        labelCheckedClassName="active",
                    ),
                ],
                lg=7,
            ),
            dbc.Col(
                [
                    dbc.Label("Profession", html_for="sante-profession"),
                    dcc.Dropdown(
                        id="sante-profession",
                        options=[
                            {"label": v, "value": k} for k, v in PROFESSIONS.items()
                        ],
                        value=START[1],
                        clearable=False,
                        searchable=False,
                    ),
                ],
                lg=5,
            ),
        ],
        className="g-2 mb-3 align-items-end",
    )


def layout(**_kwargs):
    session = get_session()
    data = coverage(session, underserved_threshold(settings()))
    if data is None:
        return html.Div(
            [
                html.H1("Offre de soins de proximité", className="h3"),
                dbc.Alert(
                    "Aucun extrait de l'Annuaire Santé (RPPS) n'a encore été importé : "
                    "flask --app app import-rpps CHEMIN.",
                    color="info",
                    id="sante-empty",
                ),
            ]
        )
    state, title, legend_block = map_state(data, *START)
    geojson = map_geojson(communes_geojson(session), data)
    return html.Div(
        [
            html.H1(
                ["Offre de soins de proximité", demo_badge(data.is_demo, "sante-demo")],
                className="h3",
            ),
            html.P(source_line(data), className="text-muted", id="sante-date"),
            _kpis(data),
            _controls(),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2(title, id="sante-map-title", className="h6"),
                            choropleth_map(
                                "sante-map", "sante-communes", geojson, state
                            ),
                        ],
                        lg=8,
                    ),
                    dbc.Col(
                        [
                            html.Div(legend_block, id="sante-legend", className="mb-3"),
                            html.Div(
                                html.Small(
                                    "Touchez une commune sur la carte pour afficher "
                                    "sa fiche.",
                                    className="text-muted",
                                ),
                                id="sante-card",
                            ),
                        ],
                        lg=4,
                    ),
                ],
                className="g-3 mb-3",
            ),
            html.Div(
                [
                    html.H2(
                        ["Classement des communes", demo_badge(data.is_demo)],
                        className="h5 me-auto mb-0",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-download me-2"), "Exporter en CSV"],
                        id="sante-export",
                        color="secondary",
                        outline=True,
                    ),
                ],
                className="d-flex align-items-center mb-2",
            ),
            dag.AgGrid(
                id="sante-grid",
                columnDefs=grid_columns(*START),
                rowData=grid_rows(data, *START),
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "filter": True,
                    "minWidth": 110,
                    "wrapHeaderText": True,
                    "autoHeaderHeight": True,
                },
                dashGridOptions={
                    "rowHeight": 44,
                    "localeText": {"noRowsToShow": "Aucune commune"},
                },
                csvExportParams={
                    "fileName": "sante_communes_donnees_fictives.csv"
                    if data.is_demo
                    else "sante_communes.csv",
                    "columnSeparator": ";",
                },
                style={"height": "60vh"},
            ),
            html.Div(method_note(data), className="hv-sante-note mt-3"),
            html.Footer(
                source_line(data, full=True),
                id="sante-source",
                className="hv-sante-note mt-2",
            ),
        ]
    )
