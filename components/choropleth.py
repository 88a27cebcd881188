"""A choropleth of the communes (styled by assets/sante.js) and its legend."""

from __future__ import annotations

import dash_leaflet as dl
from dash import html

from components.kpi import number_fr
from components.maps import PMA_CENTER

# Under-served classes in warm colours, well-served in blues (colour-blind safe).
ACCESS_COLORS = ["#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"]
SEQUENTIAL = ["#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c"]
ZERO_COLOR = "#fbb4b9"
EMPTY_COLOR = "#d9d9d9"


def palette(limits: list, diverging: bool) -> list[str]:
    """As many colours as classes (limits + 1), spread over the palette."""
    colors = ACCESS_COLORS if diverging else SEQUENTIAL
    count = len(limits) + 1
    if count >= len(colors):
        return colors[:count]
    step = (len(colors) - 1) / max(count - 1, 1)
    return [colors[round(i * step)] for i in range(count)]


def hideout(prop: str, limits: list, diverging: bool, unit: str, decimals: int, **kw):
    """What the style function needs; `selected` outlines one commune."""
    return {
        "prop": prop,
        "limits": limits,
        "colors": palette(limits, diverging),
        "zero": None if diverging else ZERO_COLOR,
        "empty": EMPTY_COLOR,
        "unit": unit,
        "decimals": decimals,
        "selected": kw.get("selected"),
    }


def legend_items(limits: list, decimals: int) -> list[str]:
    """French labels of the classes: « moins de a », « a à b », « c ou plus »."""
    if not limits:
        return ["toutes valeurs"]
    fmt = [number_fr(v, decimals) for v in limits]
    items = [f"moins de {fmt[0]}"]
    items += [f"{a} à moins de {b}" for a, b in zip(fmt, fmt[1:], strict=False)]
    items.append(f"{fmt[-1]} ou plus")
    return items


def legend(title: str, unit: str, state: dict):
    """Colour swatches with their class limits and unit."""
    rows = []
    if state.get("zero"):
        rows.append((state["zero"], "aucun (0)"))
    labels = legend_items(state["limits"], state["decimals"])
    rows += list(zip(state["colors"], labels, strict=False))
    rows.append((state["empty"], "sans donnée"))
    return html.Div(
        [
            html.Div(title, className="fw-semibold"),
            html.Div(unit, className="text-muted small mb-1"),
            html.Ul(
                [
                    html.Li(
                        [html.Span(style={"background": color}), label],
                        className="hv-choro-item",
                    )
                    for color, label in rows
                ],
                className="list-unstyled mb-0",
            ),
        ],
        className="hv-choro-legend small",
    )


def bounds(geojson: dict) -> list[list[float]] | None:
    """[[south, west], [north, east]] of every polygon, to frame the territory."""
    lats, lons = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for item in coords:
                walk(item)

    for feature in geojson["features"]:
        walk(feature["geometry"]["coordinates"])
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def choropleth_map(map_id: str, layer_id: str, geojson: dict, state: dict):
    """The commune polygons coloured by one property (no tiles: works offline)."""
    frame = bounds(geojson)
    extra = {"bounds": frame, "boundsOptions": {"padding": [10, 10]}} if frame else {}
    return dl.Map(
        dl.GeoJSON(
            id=layer_id,
            data=geojson,
            hideout=state,
            style={"variable": "hvSante.style"},
            onEachFeature={"variable": "hvSante.onEachFeature"},
        ),
        id=map_id,
        center=PMA_CENTER,
        zoom=10.75,
        zoomSnap=0.25,
        minZoom=9,
        maxZoom=14,
        className="hv-map",
        attributionControl=False,
        **extra,
    )
