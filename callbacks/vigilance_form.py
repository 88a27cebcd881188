"""/vigilance operator form: a click on the map places the report, then it is stored.

The form goes through the same validation as MQTT and the API (French errors per
field); the report's `source` is « operateur ».
"""

from __future__ import annotations

import uuid

from dash import Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from db.engine import get_session
from db.types import utcnow
from services.api_incidents import territory
from services.incidents import ReportRefused, store_incident, validate_report


def register(app) -> None:
    @app.callback(
        Output("vigilance-form-lat", "value"),
        Output("vigilance-form-lon", "value"),
        Input("vigilance-map", "clickData"),
        prevent_initial_call=True,
    )
    def place_report(click):
        latlng = (click or {}).get("latlng") or {}
        if "lat" not in latlng:
            raise PreventUpdate
        return round(latlng["lat"], 6), round(latlng["lng"], 6)

    @app.callback(
        Output("vigilance-form-feedback", "children"),
        Output("vigilance-version", "data", allow_duplicate=True),
        Input("vigilance-form-submit", "n_clicks"),
        State("vigilance-form-category", "value"),
        State("vigilance-form-severity", "value"),
        State("vigilance-form-lat", "value"),
        State("vigilance-form-lon", "value"),
        State("vigilance-form-description", "value"),
        State("vigilance-form-reporter", "value"),
        State("vigilance-version", "data"),
        prevent_initial_call=True,
    )
    def submit_report(_n, category, severity, lat, lon, text, reporter, version):
        data = {
            "report_id": f"op-{uuid.uuid4()}",
            "ts": utcnow().isoformat(),
            "category": category,
            "severity": severity,
            "lat": _float(lat),
            "lon": _float(lon),
            "description": text,
            "reporter_ref": reporter,
            "source": "operateur",
        }
        try:
            report = validate_report(data, territory())
        except ReportRefused as refused:
            return (
                html.Ul(
                    [html.Li(f"{e.field} : {e.message}") for e in refused.errors],
                    className="text-danger mb-0",
                ),
                no_update,
            )
        session = get_session()
        incident, _ = store_incident(session, report, current_user.username)
        session.commit()
        return (
            html.Span(
                f"Incident n° {incident.id} enregistré.", className="text-success"
            ),
            (version or 0) + 1,
        )


def _float(value):
    if value in (None, ""):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return value
