"""The alert feed list."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

PARIS = ZoneInfo("Europe/Paris")
ICONS = {
    "danger": "bi-exclamation-octagon-fill",
    "warning": "bi-exclamation-triangle-fill",
    "info": "bi-info-circle-fill",
}


def local_time(value, fmt: str = "%d/%m %H:%M") -> str:
    """A UTC datetime shown in Europe/Paris."""
    return value.astimezone(PARIS).strftime(fmt) if value else "—"


def alert_feed(alerts: list[dict]):
    if not alerts:
        return html.P("Aucune alerte en cours.", className="text-muted p-3 mb-0")
    items = []
    for alert in alerts:
        detail = []
        if alert["fill_pct"] is not None:
            detail.append(f"{alert['fill_pct']:.0f} %")
        if alert["title"] == "Débordement prévu" and alert.get("overflow_eta"):
            detail.append(f"prévu le {local_time(alert['overflow_eta'])}")
        if alert["title"] == "Batterie faible" and alert["battery_pct"] is not None:
            detail.append(f"batterie {alert['battery_pct']:.0f} %")
        items.append(
            dbc.ListGroupItem(
                [
                    html.Div(
                        [
                            html.I(
                                className=f"bi {ICONS[alert['level']]} "
                                f"text-{alert['level']} me-2"
                            ),
                            html.Strong(alert["title"]),
                            html.Small(
                                local_time(alert["time"]),
                                className="ms-auto text-muted",
                            ),
                        ],
                        className="d-flex align-items-center",
                    ),
                    _subject(alert, detail),
                ]
            )
        )
    return dbc.ListGroup(items, flush=True)


def _subject(alert: dict, detail: list[str]):
    if alert.get("incident_id"):
        state = "nouveau" if alert["new"] else "pris en compte"
        late = []
        if alert.get("late") is not None:
            from services.incident_deadlines import format_delay

            late = [
                html.Strong(
                    f" · en retard de {format_delay(alert['late'])}",
                    className="text-danger",
                )
            ]
        return html.Div(
            [
                dcc.Link(f"n° {alert['incident_id']}", href="/vigilance"),
                f" · {alert['commune']} · gravité {alert['severity'].lower()}",
                f" · {state}",
                *late,
            ],
            className="small",
        )
    return html.Div(
        [
            dcc.Link(alert["code"], href=f"/dechets/bac/{alert['code']}"),
            f" · {alert['commune']}",
            f" · {' · '.join(detail)}" if detail else "",
        ],
        className="small",
    )
