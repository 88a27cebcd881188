"""The /synthese screen built from services.synthese data: cards with trends and
one chart per theme, in plain words."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components.kpi import number_fr
from services.synthese import trend

BLUE, GREEN, ORANGE = "#2c7fb8", "#41ab5d", "#e6550d"


def trend_badge(current, previous, *, lower_is_better=False, card_id=None):
    change = trend(current, previous)
    if change is None:
        return html.Small("pas de comparaison possible", className="text-muted")
    good = (change < 0) if lower_is_better else (change > 0)
    color = "secondary" if change == 0 else ("success" if good else "danger")
    arrow = (
        "bi-arrow-right"
        if change == 0
        else ("bi-arrow-up-right" if change > 0 else "bi-arrow-down-right")
    )
    sign = "+" if change > 0 else ""
    return html.Span(
        [html.I(className=f"bi {arrow} me-1"), f"{sign}{number_fr(change, 1)} %"],
        className=f"badge text-bg-{color} hv-trend",
        title="par rapport à la période précédente",
        **({"id": card_id} if card_id else {}),
    )


def figure_card(label, value, unit, *, badge=None, hint=None, card_id=None):
    body = [
        html.Div(
            [
                html.Span("—" if value is None else value, className="hv-kpi-value"),
                html.Span(unit, className="hv-kpi-unit"),
            ]
        ),
        html.Div(label, className="hv-kpi-label"),
    ]
    if badge is not None:
        body.append(html.Div(badge, className="mt-1"))
    if hint:
        body.append(html.Small(hint, className="text-muted d-block"))
    kwargs = {"id": card_id} if card_id else {}
    return dbc.Card(dbc.CardBody(body), className="hv-kpi h-100 shadow-sm", **kwargs)


def bar(labels, values, title, unit, color, *, horizontal=False, height=300):
    text = [number_fr(v, 1 if isinstance(v, float) else 0) for v in values]
    trace = (
        go.Bar(y=labels, x=values, orientation="h", marker_color=color, text=text)
        if horizontal
        else go.Bar(x=labels, y=values, marker_color=color, text=text)
    )
    fig = go.Figure(trace)
    fig.update_traces(textposition="outside", cliponaxis=False)
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        template="plotly_white",
        height=height,
        separators=", ",
        margin={"l": 10, "r": 30, "t": 40, "b": 40},
        **({"xaxis_title": unit} if horizontal else {"yaxis_title": unit}),
    )
    fig.update_yaxes(automargin=True)
    if not any(values):
        fig.update_traces(text=None)
        fig.update_xaxes(visible=horizontal is False)
        fig.update_yaxes(visible=False)
        fig.add_annotation(
            text="Aucune donnée sur la période",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 15, "color": "#5a6570"},
        )
    return fig


def graph(graph_id, figure):
    return dcc.Graph(
        id=graph_id, figure=figure, config={"displayModeBar": False, "responsive": True}
    )


def row(cards, md=3):
    return dbc.Row([dbc.Col(c, md=md, sm=6) for c in cards], className="g-3 mb-3")


def section(title, icon, children, section_id):
    return html.Section(
        [
            html.H2([html.I(className=f"bi {icon} me-2"), title], className="h4 mt-4"),
            *children,
        ],
        id=section_id,
        className="hv-synthese-section",
    )


def source_note(text):
    """The source and period under a theme's figures (printed with them)."""
    return html.Small(text, className="text-muted d-block mt-1 hv-source")


def fmt(value, decimals=0):
    return number_fr(value, decimals)
