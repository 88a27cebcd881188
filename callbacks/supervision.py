"""Supervision callbacks: KPIs, the live map and the alert feed."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State
from flask_login import current_user

from callbacks.live_map import refresh_bins_layer
from components.feed import alert_feed, local_time
from components.kpi import kpi_card, number_fr
from db.engine import get_session
from services.access import can_open
from services.alerts import incident_alerts, latest_alerts
from services.bins import BinFilter, kpis
from services.context import settings, thresholds
from services.incident_deadlines import incident_targets


def kpi_row(figures: dict, silent_h: int, low_battery: int):
    share = figures["above_alert_share"]
    cards = [
        kpi_card(
            "Bacs suivis (capteur actif)",
            number_fr(figures["monitored"]),
            f"/ {number_fr(figures['bins'])}",
            card_id="supervision-kpi-monitored",
            hint=f"Dernière mesure : {local_time(figures['latest_measure'])}",
        ),
        kpi_card(
            "Bacs au-dessus du seuil de collecte",
            number_fr(share, 1) if share is not None else None,
            "%",
            color="warning",
            card_id="supervision-kpi-alert",
            hint=f"{number_fr(figures['above_alert'])} bacs",
        ),
        kpi_card(
            "En débordement",
            number_fr(figures["overflowing"]),
            "bacs",
            color="danger",
            card_id="supervision-kpi-overflow",
        ),
        kpi_card(
            "Débordements prévus (24 h)",
            number_fr(figures["predicted_overflows"]),
            "bacs",
            color="warning",
            card_id="supervision-kpi-predicted",
        ),
        kpi_card(
            f"Capteurs silencieux (> {silent_h} h)",
            number_fr(figures["silent"]),
            "capteurs",
            color="secondary",
            card_id="supervision-kpi-silent",
        ),
        kpi_card(
            f"Batteries faibles (< {low_battery} %)",
            number_fr(figures["low_battery"]),
            "capteurs",
            card_id="supervision-kpi-battery",
        ),
    ]
    return dbc.Row(
        [dbc.Col(card, xs=6, md=4, xl=True) for card in cards], className="g-3"
    )


def register(app) -> None:
    @app.callback(
        Output("supervision-kpis", "children"),
        Input("supervision-interval", "n_intervals"),
    )
    def update_kpis(_n):
        config = settings()
        return kpi_row(
            kpis(get_session(), thresholds()),
            config["SILENT_AFTER_H"],
            config["LOW_BATTERY_PCT"],
        )

    @app.callback(
        Output("supervision-bins", "data"),
        Output("supervision-map-state", "data"),
        Input("supervision-interval", "n_intervals"),
        State("supervision-map-state", "data"),
        prevent_initial_call=True,
    )
    def update_fill_map(_n, state):
        return refresh_bins_layer(state, BinFilter())

    @app.callback(
        Output("supervision-alerts", "children"),
        Input("supervision-interval", "n_intervals"),
    )
    def update_alerts(_n):
        session = get_session()
        alerts = latest_alerts(session, thresholds())
        # Security incidents first, and only for the roles of the vigilance page.
        if can_open(current_user.role, "/vigilance"):
            targets = incident_targets(settings())
            alerts = incident_alerts(session, targets=targets) + alerts
        return alert_feed(alerts)
