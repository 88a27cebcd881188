"""Shared wiring of the infinite grids: refetch on filter change, refresh every 30 s."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output


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
