"""The /vigilance map's layers, switches and legends (points, density, context)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from components.kpi import number_fr

EMPTY = {"type": "FeatureCollection", "features": []}
SEVERITY_COLORS = {  # same as assets/vigilance.js COLORS
    "faible": ("#2e86c1", "Faible"),
    "moyenne": ("#f39c12", "Moyenne"),
    "elevee": ("#e67e22", "Élevée"),
    "critique": ("#c0392b", "Critique"),
}
# Yellow to dark red (ColorBrewer YlOrRd), readable by colour-blind people.
DENSITY_COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
# Purples for the context, so that it is never mistaken for the incidents.
CONTEXT_COLORS = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"]
CONTEXT_EMPTY = "#d9d9d9"


def layers():
    """Context under the incidents; density cells under the points."""
    return (
        dl.GeoJSON(
            id="vigilance-context",
            data=EMPTY,
            style={"variable": "hvVigilance.contextStyle"},
            onEachFeature={"variable": "hvVigilance.contextEach"},
        ),
        dl.GeoJSON(
            id="vigilance-density",
            data=EMPTY,
            style={"variable": "hvVigilance.densityStyle"},
            onEachFeature={"variable": "hvVigilance.densityEach"},
        ),
        dl.GeoJSON(
            id="vigilance-points",
            data=EMPTY,
            pointToLayer={"variable": "hvVigilance.pointToLayer"},
        ),
    )


def controls(years: list[int], groups: dict[str, str], group: str):
    """Points or density, and the optional context layer (off by default)."""
    return html.Div(
        [
            dbc.RadioItems(
                id="vigilance-map-mode",
                options=[
                    {"label": "Points", "value": "points"},
                    {"label": "Densité", "value": "densite"},
                ],
                value="points",
                inline=True,
                className="btn-group hv-map-mode",
                inputClassName="btn-check",
                labelClassName="btn btn-outline-primary",
                labelCheckedClassName="active",
            ),
            dbc.Switch(
                id="vigilance-context-on",
                label="Contexte : délinquance enregistrée (SSMSI)",
                value=False,
                className="ms-md-3 mb-0",
            ),
            html.Div(
                [
                    dcc.Dropdown(
                        id="vigilance-context-group",
                        options=[{"label": v, "value": k} for k, v in groups.items()],
                        value=group,
                        clearable=False,
                        style={"minWidth": "16rem"},
                    ),
                    dcc.Dropdown(
                        id="vigilance-context-year",
                        options=[{"label": str(y), "value": y} for y in years],
                        value=years[-1] if years else None,
                        clearable=False,
                        style={"minWidth": "6rem"},
                    ),
                ],
                id="vigilance-context-options",
                className="gap-2 mt-2 w-100",
                style={"display": "none"},
            ),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mb-2",
    )


def class_labels(limits: list, decimals: int = 0, integers: bool = False) -> list:
    """« 1 », « 2 à 4 », « 20 ou plus » (counts) or « moins de 6 » (rates)."""
    if integers:
        lows = [1, *limits]
        labels = []
        for low, high in zip(lows, [*limits, None], strict=True):
            if high is None:
                labels.append(f"{low} ou plus" if limits else str(low))
            elif high - 1 == low:
                labels.append(str(low))
            else:
                labels.append(f"{low} à {high - 1}")
        return labels
    if not limits:
        return ["toutes valeurs"]
    fmt = [number_fr(v, decimals) for v in limits]
    labels = [f"moins de {fmt[0]}"]
    labels += [f"{a} à moins de {b}" for a, b in zip(fmt, fmt[1:], strict=False)]
    return [*labels, f"{fmt[-1]} ou plus"]


def colors_for(limits: list, palette: list[str]) -> list[str]:
    """As many colours as classes, spread over the palette (darkest last)."""
    count = len(limits) + 1
    if count >= len(palette):
        return palette[:count]
    step = (len(palette) - 1) / max(count - 1, 1)
    return [palette[round(i * step)] for i in range(count)]


def _swatches(rows: list[tuple[str, str]], item_id: str):
    return html.Ul(
        [
            html.Li([html.Span(style={"background": c}), label], className="hv-vl-item")
            for c, label in rows
        ],
        className="list-unstyled mb-0",
        id=item_id,
    )


def points_legend(count: int, period: str):
    rows = [(color, label) for color, label in SEVERITY_COLORS.values()]
    return html.Div(
        [
            html.Div("Incidents par gravité", className="fw-semibold"),
            html.Div(
                f"{count} point{'s' if count > 1 else ''} · {period} · pâles : "
                "résolus, clos, rejetés ou doublons · source : signalements reçus",
                className="text-muted",
            ),
            _swatches(rows, "vigilance-legend-items"),
        ],
        className="hv-vl-legend small",
    )


def density_legend(hideout: dict, total: int, cells: int, period: str):
    labels = class_labels(hideout["limits"], integers=True)
    rows = list(zip(hideout["colors"], labels, strict=True)) if total else []
    return html.Div(
        [
            html.Div("Densité des incidents filtrés", className="fw-semibold"),
            html.Div(
                "incidents par km² (mailles de 1 km × 1 km) · " + period,
                className="text-muted",
            ),
            html.Div(
                f"{total} incident{'s' if total > 1 else ''} dans {cells} "
                f"maille{'s' if cells > 1 else ''} · source : signalements reçus",
                className="text-muted",
            ),
            _swatches(rows, "vigilance-legend-items")
            if rows
            else html.Div(
                "Aucun incident pour ces filtres.", id="vigilance-legend-items"
            ),
        ],
        className="hv-vl-legend small",
    )


def context_legend(hideout: dict, title: str, unit: str, year: int, caveats, source):
    labels = class_labels(hideout["limits"])
    rows = list(zip(hideout["colors"], labels, strict=True))
    rows.append((hideout["empty"], "donnée non diffusée"))
    return html.Div(
        [
            html.Div(f"Contexte · {title} · {year}", className="fw-semibold"),
            html.Div(unit, className="text-muted"),
            _swatches(rows, "vigilance-context-items"),
            html.Ul(
                [html.Li(text) for text in caveats],
                className="mt-2 mb-1 ps-3",
                id="vigilance-context-caveats",
            ),
            html.Div(f"Source : {source}", className="text-muted"),
        ],
        className="hv-vl-legend hv-vl-context small",
    )
