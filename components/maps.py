"""Map blocks: the offline commune background and the clustered bins layer."""

from __future__ import annotations

import dash_leaflet as dl
from dash import html

from services.bins import STATUS_LABELS

PMA_CENTER = (47.445, 6.782)  # middle of the PMA perimeter (47.33-47.56 N)
STATUS_COLORS = {
    "normal": "#2e7d32",
    "alerte": "#f39c12",
    "debordement_prevu": "#e67e22",
    "debordement": "#c0392b",
    "erreur": "#8e44ad",
    "silencieux": "#7f8c8d",
    "sans_donnee": "#bdc3c7",
}


def territory_map(
    map_id: str,
    communes_geojson: dict,
    bins_geojson: dict | None,
    layer_id: str | None,
    tile_url: str | None = None,
    extra_layers: tuple = (),
):
    """A Leaflet map of the communes with the bins on top (clustered)."""
    layers = []
    if tile_url:
        layers.append(
            dl.TileLayer(url=tile_url, attribution="Fond de carte : TILE_URL")
        )
    layers.append(
        dl.GeoJSON(
            data=communes_geojson,
            style={"variable": "hv.communeStyle"},
            interactive=False,
        )
    )
    if layer_id is not None:
        layers.append(
            dl.GeoJSON(
                id=layer_id,
                data=bins_geojson,
                cluster=True,
                zoomToBoundsOnClick=True,
                superClusterOptions={"radius": 60, "maxZoom": 15},
                pointToLayer={"variable": "hv.pointToLayer"},
                clusterToLayer={"variable": "hv.clusterToLayer"},
            )
        )
    layers.extend(extra_layers)
    return dl.Map(
        layers,
        id=map_id,
        center=PMA_CENTER,
        zoom=10.75,
        zoomSnap=0.25,
        minZoom=9,
        maxZoom=18,
        className="hv-map",
        attributionControl=False,
    )


def status_legend():
    """Colour legend of bin statuses, and how clusters are coloured."""
    items = []
    for status, color in STATUS_COLORS.items():
        items.append(html.Span(style={"background": color}))
        items.append(STATUS_LABELS[status])
    items.append(
        html.Div(
            "Groupes de bacs : vert < 10 % à collecter, orange 10 à 30 %, "
            "rouge ≥ 30 %.",
            className="text-muted",
        )
    )
    return html.Div(items, className="hv-legend small mt-2")
