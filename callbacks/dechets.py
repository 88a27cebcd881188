"""Bins page callbacks: filters drive the map, the infinite grid and the export link."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks.grid import register_infinite_grid, rows_request
from callbacks.live_map import refresh_bins_layer
from components.feed import local_time
from db.engine import get_session
from services.bins import (
    KIND_LABELS,
    STATUS_LABELS,
    filter_from_params,
    get_bin,
    list_bins,
)
from services.context import thresholds

FILTER_INPUTS = [
    Input("dechets-commune", "value"),
    Input("dechets-kind", "value"),
    Input("dechets-fill", "value"),
    Input("dechets-status", "value"),
]


def grid_row(item: dict) -> dict:
    return {
        **{k: v for k, v in item.items() if k not in ("measured_at",)},
        "code": f"[{item['code']}](/dechets/bac/{item['code']})",
        "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
        "status_label": STATUS_LABELS[item["status"]],
        "measured_at_fr": local_time(item["measured_at"], "%d/%m/%Y %H:%M"),
    }


def register(app) -> None:
    @app.callback(
        Output("dechets-bins", "data"),
        Output("dechets-map-state", "data"),
        Output("dechets-count", "children"),
        Output("dechets-export", "href"),
        *FILTER_INPUTS,
        Input("dechets-interval", "n_intervals"),
        State("dechets-map-state", "data"),
        prevent_initial_call=True,
    )
    def update_dechets_map(commune, kind, fill_class, status, _n, state):
        filters = filter_from_params(commune, kind, fill_class, status)
        forced = ctx.triggered_id != "dechets-interval"
        data, new_state = refresh_bins_layer(state, filters, force=forced)
        params = {
            k: v
            for k, v in zip(
                ("commune", "kind", "fill", "status"),
                (commune, kind, fill_class, status),
                strict=True,
            )
            if v
        }
        href = "/dechets/export.csv" + (f"?{urlencode(params)}" if params else "")
        count = (
            f"{len(new_state['codes'])} bacs"
            if isinstance(new_state, dict)
            else no_update
        )
        return data, new_state, count, href

    @app.callback(
        Output("dechets-grid", "getRowsResponse"),
        Input("dechets-grid", "getRowsRequest"),
        State("dechets-commune", "value"),
        State("dechets-kind", "value"),
        State("dechets-fill", "value"),
        State("dechets-status", "value"),
    )
    def update_bins_grid(request, commune, kind, fill_class, status):
        if not request:
            return no_update
        rows = rows_request(request)
        items, total = list_bins(
            get_session(),
            filter_from_params(commune, kind, fill_class, status),
            limit=rows.limit,
            offset=rows.offset,
            sort=rows.sort,
            thresholds=thresholds(),
        )
        return {"rowData": [grid_row(i) for i in items], "rowCount": total}

    register_infinite_grid(app, "dechets-grid", "dechets-interval", FILTER_INPUTS)

    @app.callback(
        Output("dechets-selected", "children"), Input("dechets-bins", "clickData")
    )
    def show_selected_bin(feature):
        if not feature or feature.get("properties", {}).get("cluster"):
            return html.Small(
                "Cliquez sur un bac pour afficher sa fiche.", className="text-muted"
            )
        item = get_bin(
            get_session(), str(feature["properties"].get("code")), thresholds()
        )
        if item is None:
            return html.Small("Bac introuvable.", className="text-danger")
        fill = "—" if item["fill_pct"] is None else f"{item['fill_pct']:.0f} %"
        return html.Div(
            [
                html.Strong(item["code"]),
                f" · {KIND_LABELS[item['kind']]} · {item['commune_name']} · {fill} · ",
                dcc.Link("Ouvrir la fiche du bac", href=f"/dechets/bac/{item['code']}"),
            ]
        )
