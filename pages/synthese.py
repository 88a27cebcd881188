"""Summary for elected officials: plain figures for the whole territory."""

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components.feed import local_time
from components.kpi import kpi_card, number_fr
from db.engine import get_session
from services.context import thresholds
from services.summary import waste_summary

dash.register_page(
    __name__,
    path="/synthese",
    name="Synthèse",
    title="Synthèse · Hyperviseur",
    icon="bi-clipboard-data",
    order=50,
)


def _bar(labels, values, title, unit, color):
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            marker_color=color,
            text=[number_fr(v) for v in values],
            textposition="outside",
        )
    )
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        yaxis_title=unit,
        template="plotly_white",
        height=320,
        separators=", ",
        margin={"l": 50, "r": 10, "t": 40, "b": 60},
    )
    return fig


def layout(**_kwargs):
    data = waste_summary(get_session(), thresholds())
    share = data["above_alert_share"]
    out_of_service = data["silent"]
    cards = [
        kpi_card(
            "Bacs équipés de capteurs",
            number_fr(data["bins"]),
            "bacs",
            card_id="synthese-bins",
        ),
        kpi_card(
            "Bacs à collecter (plus de 80 %)",
            number_fr(share, 1) if share is not None else None,
            "%",
            color="warning",
            card_id="synthese-alert-share",
        ),
        kpi_card(
            "Bacs en débordement",
            number_fr(data["overflowing"]),
            "bacs",
            color="danger",
        ),
        kpi_card(
            "Capteurs hors service",
            number_fr(out_of_service),
            "capteurs",
            color="secondary",
            hint="sans mesure depuis plus de 6 h",
        ),
    ]
    mean_fill = [round(k["mean_fill"] or 0) for k in data["by_kind"]]
    return html.Div(
        [
            html.H1("Synthèse du territoire", className="h3"),
            html.P(
                "Collecte des déchets : situation au "
                f"{local_time(data['latest_measure'], '%d/%m/%Y à %H:%M')}, "
                "pour les 73 communes de Pays de Montbéliard Agglomération.",
                className="text-muted",
            ),
            dbc.Row([dbc.Col(c, md=3) for c in cards], className="g-3 mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            id="synthese-bands-chart",
                            figure=_bar(
                                [b["label"] for b in data["bands"]],
                                [b["bins"] for b in data["bands"]],
                                "Répartition des bacs par niveau de remplissage",
                                "bacs",
                                "#2c7fb8",
                            ),
                        ),
                        md=6,
                    ),
                    dbc.Col(
                        dcc.Graph(
                            id="synthese-kind-chart",
                            figure=_bar(
                                [k["kind"] for k in data["by_kind"]],
                                mean_fill,
                                "Remplissage moyen par type de bac",
                                "%",
                                "#41ab5d",
                            ),
                        ),
                        md=6,
                    ),
                ]
            ),
            html.Small(
                "Source : capteurs de remplissage LoRaWAN de l'agglomération "
                "(dernière mesure de chaque bac).",
                className="text-muted",
            ),
        ]
    )
