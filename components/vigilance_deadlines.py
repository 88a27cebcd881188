"""Deadlines of an incident as shown in the /vigilance grid and detail panel."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.feed import local_time
from services.incident_deadlines import format_delay

DUE_FORMAT = "%d/%m %H:%M"


def late_text(item: dict) -> str:
    """« en retard de 2 h 10 », « dans 25 min » or empty when nothing is due."""
    if item["late"] is not None:
        return f"en retard de {format_delay(item['late'])}"
    if item["remaining"] is not None:
        return f"dans {format_delay(item['remaining'])}"
    return ""


def grid_fields(item: dict) -> dict:
    """The grid's « Échéance » and « Retard » cells, and the row highlight flag."""
    due = ""
    if item["due"] is not None:
        due = f"{item['due_kind']} · {local_time(item['due'], DUE_FORMAT)}"
    return {
        "due": due,
        "late": late_text(item),
        "late_flag": item["late"] is not None,
        "overdue_ack": item["ack_late"] is not None,
        "overdue_resolve": item["resolve_late"] is not None,
    }


def _line(label: str, due, late, state: str):
    parts = [html.Span(f"{label} : ", className="text-muted")]
    parts.append(html.Strong(local_time(due, "%d/%m/%Y %H:%M") if due else "—"))
    if late is not None:
        parts.append(
            html.Span(
                f" · en retard de {format_delay(late)}",
                className="text-danger fw-semibold",
            )
        )
    elif state:
        parts.append(html.Span(f" · {state}", className="text-muted"))
    return html.Div(parts)


def _resolved_at(events: list[dict]):
    done = [e["at"] for e in events if e["to_status"] == "resolu"]
    return done[-1] if done else None


def deadline_block(item: dict, events: list[dict]):
    """Both deadlines of the incident, and whether they were or are being met."""
    ack_state = ""
    if item["status"] != "nouveau" and item["acknowledged_at"] is not None:
        met = item["ack_due"] is None or item["acknowledged_at"] <= item["ack_due"]
        ack_state = "respectée" if met else "dépassée (pris en compte en retard)"
    elif item["status"] == "nouveau" and item["ack_late"] is None and item["ack_due"]:
        ack_state = f"dans {format_delay(item['ack_due'] - item['now'])}"
    resolve_state = ""
    resolved = _resolved_at(events)
    if item["status"] in ("resolu", "clos") and resolved is not None:
        late = item["resolve_due"] is not None and resolved > item["resolve_due"]
        resolve_state = "dépassée" if late else "respectée"
    elif item["status"] in ("rejete", "doublon"):
        resolve_state = "sans objet"
    elif item["resolve_late"] is None and item["resolve_due"] is not None:
        resolve_state = f"dans {format_delay(item['resolve_due'] - item['now'])}"
    return html.Div(
        [
            html.H3("Échéances", className="h6 mt-3 mb-1"),
            _line("Prise en compte", item["ack_due"], item["ack_late"], ack_state),
            _line(
                "Résolution", item["resolve_due"], item["resolve_late"], resolve_state
            ),
        ],
        id="vigilance-deadlines",
    )


def late_badges(item: dict) -> list:
    badges = []
    if item["ack_late"] is not None:
        badges.append(
            dbc.Badge(
                f"Prise en compte en retard de {format_delay(item['ack_late'])}",
                color="danger",
                className="ms-1",
            )
        )
    if item["resolve_late"] is not None:
        badges.append(
            dbc.Badge(
                f"Résolution en retard de {format_delay(item['resolve_late'])}",
                color="danger",
                className="ms-1",
            )
        )
    return badges
