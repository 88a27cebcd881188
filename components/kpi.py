"""KPI cards: a big number, its unit, and a short label."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(
    label: str,
    value,
    unit: str = "",
    *,
    color: str = "dark",
    card_id: str | None = None,
    hint: str | None = None,
    compact: bool = False,
):
    """A card with a large figure; `value` None shows a dash."""
    shown = "—" if value is None else value
    body = [
        html.Div(
            [
                html.Span(
                    shown,
                    className=f"hv-kpi-{'text' if compact else 'value'} text-{color}",
                ),
                html.Span(unit, className="hv-kpi-unit"),
            ]
        ),
        html.Div(label, className="hv-kpi-label"),
    ]
    if hint:
        body.append(html.Small(hint, className="text-muted"))
    kwargs = {"id": card_id} if card_id else {}
    return dbc.Card(dbc.CardBody(body), className="hv-kpi h-100 shadow-sm", **kwargs)


def number_fr(value: float | int | None, decimals: int = 0) -> str | None:
    """French number formatting (narrow no-break space thousands, comma decimals)."""
    if value is None:
        return None
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")
