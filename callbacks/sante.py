"""Health page callbacks: selectors recolour the map and re-rank the grid; a click
on a commune opens its card; the export button downloads the grid as CSV."""

from __future__ import annotations

from dash import Input, Output, no_update

from components.sante_card import commune_card
from components.sante_view import grid_columns, grid_rows, map_state
from db.engine import get_session
from services.context import settings
from services.health_indicators import GP, coverage, underserved_threshold

CHOICE_INPUTS = [Input("sante-indicator", "value"), Input("sante-profession", "value")]


def _coverage():
    return coverage(get_session(), underserved_threshold(settings()))


def _clicked_code(feature) -> str | None:
    if not isinstance(feature, dict):
        return None
    code = (feature.get("properties") or {}).get("code")
    return code if isinstance(code, str) else None


def register(app) -> None:
    @app.callback(
        Output("sante-communes", "hideout"),
        Output("sante-legend", "children"),
        Output("sante-map-title", "children"),
        Output("sante-profession", "disabled"),
        Output("sante-profession", "value"),
        *CHOICE_INPUTS,
        Input("sante-communes", "clickData"),
        prevent_initial_call=True,
    )
    def update_sante_map(indicator, profession, feature):
        data = _coverage()
        if data is None:
            return (no_update,) * 5
        state, title, legend_block = map_state(
            data, indicator, profession, _clicked_code(feature)
        )
        locked = indicator == "accessibilite"
        return state, legend_block, title, locked, GP if locked else no_update

    @app.callback(
        Output("sante-grid", "rowData"),
        Output("sante-grid", "columnDefs"),
        *CHOICE_INPUTS,
        prevent_initial_call=True,
    )
    def update_sante_grid(indicator, profession):
        data = _coverage()
        if data is None:
            return no_update, no_update
        return grid_rows(data, indicator, profession), grid_columns(
            indicator, profession
        )

    @app.callback(
        Output("sante-card", "children"),
        Input("sante-communes", "clickData"),
        prevent_initial_call=True,
    )
    def show_sante_commune(feature):
        code = _clicked_code(feature)
        data = _coverage()
        row = data.commune(code) if data is not None and code else None
        if row is None:
            return no_update
        return commune_card(row, data.threshold, data.is_demo)

    @app.callback(
        Output("sante-grid", "exportDataAsCsv"),
        Input("sante-export", "n_clicks"),
        prevent_initial_call=True,
    )
    def export_sante_csv(n_clicks):
        return bool(n_clicks)
