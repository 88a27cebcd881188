"""Crew sheet callbacks: record a collection (or an inaccessible bin) per stop."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, ctx, no_update
from flask_login import current_user

from db.engine import get_session
from services.collections import STATUSES, record_collection

BADGES = {"collecte": "success", "inaccessible": "warning"}


def register(app) -> None:
    @app.callback(
        Output({"type": "tournees-stop-status", "code": MATCH}, "children"),
        Input(
            {"type": "tournees-stop-action", "code": MATCH, "status": ALL}, "n_clicks"
        ),
        State({"type": "tournees-stop-comment", "code": MATCH}, "value"),
        State("tournees-crew-route", "data"),
        prevent_initial_call=True,
    )
    def record_stop(clicks, comment, route):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks) or trigger.get("status") not in STATUSES:
            return no_update
        session = get_session()
        try:
            record_collection(
                session,
                str(trigger["code"]),
                trigger["status"],
                current_user.username,
                plan_id=int(route["plan"]),
                truck=int(route["truck"]),
                comment=comment or "",
            )
        except ValueError as error:
            return dbc.Badge(str(error), color="danger", className="ms-2")
        session.commit()
        return dbc.Badge(
            STATUSES[trigger["status"]],
            color=BADGES[trigger["status"]],
            className="ms-2",
        )
