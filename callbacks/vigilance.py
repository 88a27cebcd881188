"""/vigilance callbacks: filters drive map and grid; actions go through the lifecycle.

Every action checks the role again on the server (the request guard already
refuses roles without the page); the reporter reference and the free text are
only sent to coordinators and admins, and each reference read is audited.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks import vigilance_form, vigilance_map
from callbacks.grid import register_infinite_grid, rows_request
from components.feed import local_time
from components.vigilance import STATUS_BUTTONS, detail_card, nearby_bin
from components.vigilance_deadlines import grid_fields
from db.engine import get_session
from services import incident_lifecycle as life
from services.access import ADMIN, SECURITY
from services.bins import get_bin
from services.context import settings, thresholds
from services.incident_deadlines import incident_targets
from services.incident_queries import (
    IncidentFilter,
    get_incident,
    list_incidents,
    nearest_bin_code,
)

FILTERS = ("commune", "category", "status", "severity", "period")
FILTER_STATES = [State(f"vigilance-{name}", "value") for name in FILTERS]
FILTER_INPUTS = [Input(f"vigilance-{name}", "value") for name in FILTERS]
BUTTON_IDS = [f"vigilance-{key}" for key, *_ in STATUS_BUTTONS]
TARGET = {f"vigilance-{key}": status for key, status, *_ in STATUS_BUTTONS}


def _targets():
    return incident_targets(settings())


def _privileged() -> bool:
    return current_user.is_authenticated and current_user.role in (ADMIN, SECURITY)


def grid_row(item: dict) -> dict:
    return {
        "id": str(item["id"]),  # AG Grid row ids are strings
        "ts_fr": local_time(item["ts"], "%d/%m/%Y %H:%M"),
        "category_label": item["category_label"],
        "severity_label": item["severity_label"],
        "status_label": life.STATUSES[item["status"]],
        "commune_name": item["commune_name"],
        "assignee": item["assignee"] or "",
        **grid_fields(item),
    }


def _act(trigger, incident_id, comment, assignee, duplicate_of) -> str:
    session = get_session()
    actor = current_user.username
    if trigger == "vigilance-assign":
        life.assign(session, incident_id, assignee or "", actor, comment or None)
        message = f"Incident affecté à {assignee}."
    elif trigger == "vigilance-add-comment":
        life.add_comment(session, incident_id, comment or "", actor)
        message = "Commentaire ajouté."
    elif trigger == "vigilance-duplicate":
        original = int(duplicate_of) if duplicate_of not in (None, "") else None
        life.change_status(
            session, incident_id, "doublon", actor, comment or None, original
        )
        message = "Incident marqué doublon."
    else:
        status = TARGET[trigger]
        life.change_status(session, incident_id, status, actor, comment or None)
        message = f"Statut : {life.STATUSES[status]}."
    session.commit()
    return message


def register(app) -> None:
    vigilance_map.register(app)
    vigilance_form.register(app)

    @app.callback(
        Output("vigilance-grid", "getRowsResponse"),
        Input("vigilance-grid", "getRowsRequest"),
        *FILTER_STATES,
    )
    def update_vigilance_grid(request, *values):
        if not request:
            return no_update
        rows = rows_request(request)
        items, total = list_incidents(
            get_session(),
            IncidentFilter(*values),
            _targets(),
            limit=rows.limit,
            offset=rows.offset,
            sort=rows.sort,
        )
        return {"rowData": [grid_row(i) for i in items], "rowCount": total}

    register_infinite_grid(
        app,
        "vigilance-grid",
        "vigilance-interval",
        [*FILTER_INPUTS, Input("vigilance-version", "data")],
    )

    @app.callback(
        Output("vigilance-selected", "data"),
        Input("vigilance-grid", "cellClicked"),
        Input("vigilance-points", "clickData"),
        prevent_initial_call=True,
    )
    def select_incident(cell, feature):
        if ctx.triggered_id == "vigilance-grid" and cell and cell.get("rowId"):
            return int(cell["rowId"])
        if ctx.triggered_id == "vigilance-points" and feature:
            key = (feature.get("properties") or {}).get("id")
            if isinstance(key, int):
                return key
        raise PreventUpdate

    @app.callback(
        Output("vigilance-detail", "children"),
        Output("vigilance-actions", "style"),
        *(Output(button, "disabled") for button in BUTTON_IDS),
        Output("vigilance-reporter", "children", allow_duplicate=True),
        Input("vigilance-selected", "data"),
        Input("vigilance-version", "data"),
        prevent_initial_call=True,
    )
    def show_incident(incident_id, _version):
        if incident_id is None:
            raise PreventUpdate
        session = get_session()
        item = get_incident(session, int(incident_id), _targets())
        if item is None:
            return (
                html.Small("Incident introuvable.", className="text-danger"),
                {"display": "none"},
                *(True for _ in BUTTON_IDS),
                "",
            )
        card = detail_card(item, life.timeline(session, item["id"]), _privileged())
        if item["category"] == "depot_sauvage":
            code = nearest_bin_code(session, item["lat"], item["lon"])
            bin_item = get_bin(session, code, thresholds()) if code else None
            card.children.append(nearby_bin(bin_item))
        allowed = life.TRANSITIONS[item["status"]]
        return (
            card,
            {"display": "block"},
            *(TARGET[button] not in allowed for button in BUTTON_IDS),
            "",
        )

    @app.callback(
        Output("vigilance-feedback", "children"),
        Output("vigilance-version", "data"),
        Output("vigilance-comment", "value"),
        *(Input(button, "n_clicks") for button in BUTTON_IDS),
        Input("vigilance-assign", "n_clicks"),
        Input("vigilance-duplicate", "n_clicks"),
        Input("vigilance-add-comment", "n_clicks"),
        State("vigilance-selected", "data"),
        State("vigilance-comment", "value"),
        State("vigilance-assignee", "value"),
        State("vigilance-duplicate-of", "value"),
        State("vigilance-version", "data"),
        prevent_initial_call=True,
    )
    def act_on_incident(*args):
        incident_id, comment, assignee, duplicate_of, version = args[-5:]
        if incident_id is None or not ctx.triggered_id:
            raise PreventUpdate
        try:
            message = _act(
                ctx.triggered_id, int(incident_id), comment, assignee, duplicate_of
            )
        except (life.TransitionRefused, ValueError) as refused:
            get_session().rollback()
            return (
                html.Span(str(refused), className="text-danger"),
                no_update,
                no_update,
            )
        return html.Span(message, className="text-success"), (version or 0) + 1, ""

    @app.callback(
        Output("vigilance-reporter", "children"),
        Input("vigilance-reveal", "n_clicks"),
        State("vigilance-selected", "data"),
        prevent_initial_call=True,
    )
    def reveal_reporter(_clicks, incident_id):
        if not _privileged():
            return "accès refusé"
        if incident_id is None:
            raise PreventUpdate
        session = get_session()
        value = life.read_reporter_ref(session, int(incident_id), current_user.username)
        session.commit()
        return html.Code(value or "aucune (effacée ou non fournie)")
