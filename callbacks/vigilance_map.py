"""/vigilance map and KPIs: points or density of the filtered incidents, context layer.

Only one of points and density travels at a time (the other layer gets an empty
collection); the density is counted in SQL, so a year of incidents is at most a
few hundred cells. The context layer is sent once when switched on or changed.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output

from components.kpi import kpi_card
from components.vigilance_map import (
    CONTEXT_COLORS,
    CONTEXT_EMPTY,
    DENSITY_COLORS,
    EMPTY,
    colors_for,
    context_legend,
    density_legend,
    points_legend,
)
from db.engine import get_session
from services import incident_context as crime
from services.context import settings
from services.geojson import communes_geojson
from services.incident_deadlines import incident_targets
from services.incident_density import class_limits, density_cells, density_geojson
from services.incident_queries import (
    PERIOD_LABELS,
    IncidentFilter,
    incident_points,
    vigilance_kpis,
)

FILTER_INPUTS = [
    Input(f"vigilance-{name}", "value")
    for name in ("commune", "category", "status", "severity", "period")
]


def kpi_row(figures: dict) -> list:
    cards = [
        ("Incidents ouverts", figures["open"], "dark", "vigilance-kpi-open"),
        ("Ouverts de gravité élevée", figures["high"], "danger", "vigilance-kpi-high"),
        (
            "En retard de prise en compte",
            figures["overdue"],
            "danger",
            "vigilance-kpi-late-ack",
        ),
        (
            "En retard de résolution",
            figures["overdue_resolve"],
            "danger",
            "vigilance-kpi-late-resolve",
        ),
        ("Reçus en 24 h", figures["last_24h"], "dark", "vigilance-kpi-24h"),
    ]
    return [
        dbc.Col(kpi_card(label, value, color=color, card_id=key), md=4, lg=True)
        for label, value, color, key in cards
    ]


def period_text(period) -> str:
    return PERIOD_LABELS.get(period, "toute la période").lower()


def map_view(session, filters: IncidentFilter, targets, mode: str):
    """(points, density cells, density hideout, legend) for the chosen mode."""
    period = period_text(filters.period)
    if mode == "densite":
        cells = density_cells(session, filters, targets)
        limits = class_limits(max((c["count"] for c in cells), default=0))
        hideout = {"limits": limits, "colors": colors_for(limits, DENSITY_COLORS)}
        total = sum(c["count"] for c in cells)
        legend = density_legend(hideout, total, len(cells), period)
        return EMPTY, density_geojson(cells), hideout, legend, total
    points = incident_points(session, filters, targets)
    count = len(points["features"])
    return (
        points,
        EMPTY,
        {"limits": [], "colors": []},
        points_legend(count, period),
        count,
    )


def register(app) -> None:
    @app.callback(
        Output("vigilance-points", "data"),
        Output("vigilance-density", "data"),
        Output("vigilance-density", "hideout"),
        Output("vigilance-map-legend", "children"),
        Output("vigilance-kpis", "children"),
        Output("vigilance-count", "children"),
        *FILTER_INPUTS,
        Input("vigilance-map-mode", "value"),
        Input("vigilance-interval", "n_intervals"),
        Input("vigilance-version", "data"),
    )
    def update_vigilance_view(commune, category, status, severity, period, mode, *_):
        session = get_session()
        targets = incident_targets(settings())
        filters = IncidentFilter(commune, category, status, severity, period)
        points, cells, hideout, legend, count = map_view(
            session, filters, targets, mode
        )
        return (
            points,
            cells,
            hideout,
            legend,
            kpi_row(vigilance_kpis(session, targets)),
            f"{count} incident{'s' if count > 1 else ''} (carte et liste filtrées)",
        )

    @app.callback(
        Output("vigilance-context", "data"),
        Output("vigilance-context", "hideout"),
        Output("vigilance-context-legend", "children"),
        Output("vigilance-context-options", "style"),
        Input("vigilance-context-on", "value"),
        Input("vigilance-context-group", "value"),
        Input("vigilance-context-year", "value"),
    )
    def update_context_layer(on, group, year):
        if not on:
            return EMPTY, {}, None, {"display": "none"}
        group = group if group in crime.GROUPS else crime.DEFAULT_GROUP
        years = crime.years()
        year = int(year) if year in years else years[-1]
        limits = crime.class_limits(group)
        hideout = {
            "limits": limits,
            "colors": colors_for(limits, CONTEXT_COLORS),
            "empty": CONTEXT_EMPTY,
        }
        data = crime.context_geojson(communes_geojson(get_session()), year, group)
        legend = context_legend(
            hideout, crime.GROUPS[group], crime.UNIT, year, crime.CAVEATS, crime.SOURCE
        )
        return data, hideout, legend, {"display": "flex"}
