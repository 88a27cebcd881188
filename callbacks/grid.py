"""Shared wiring of the infinite grids: refetch on filter change, refresh every 30 s."""

from __future__ import annotations

from dataclasses import dataclass

from dash import ClientsideFunction, Input, Output

MAX_BLOCK = 500  # rows one infinite-grid request may ask for


@dataclass(frozen=True)
class RowsRequest:
    """What an AG Grid infinite-model request asks for, bounded."""

    offset: int
    limit: int
    sort: list[tuple[str, bool]]  # (column, ascending)


def rows_request(request: dict) -> RowsRequest:
    """Read startRow/endRow/sortModel; at most MAX_BLOCK rows per request."""
    start = max(int(request.get("startRow") or 0), 0)
    end = min(int(request.get("endRow") or start + 100), start + MAX_BLOCK)
    sort = [
        (str(s.get("colId")), s.get("sort") != "desc")
        for s in request.get("sortModel") or []
        if isinstance(s, dict)
    ]
    return RowsRequest(offset=start, limit=max(end - start, 1), sort=sort)


def register_infinite_grid(app, grid_id: str, interval_id: str, refetch_inputs) -> None:
    """Purge the grid's row cache when `refetch_inputs` change; refresh on a timer."""
    app.clientside_callback(
        ClientsideFunction(namespace="hvGrid", function_name="purge"),
        Output(grid_id, "id"),
        *refetch_inputs,
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="hvGrid", function_name="refresh"),
        Output(grid_id, "className"),
        Input(interval_id, "n_intervals"),
        prevent_initial_call=True,
    )
