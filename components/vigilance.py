"""Blocks of the /vigilance page: filters, action bar, incident detail and timeline."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.feed import local_time
from components.vigilance_deadlines import deadline_block, late_badges
from services.incident_lifecycle import STATUSES

SEVERITY_COLORS = {
    "faible": "info",
    "moyenne": "warning",
    "elevee": "danger",
    "critique": "danger",
}
ACTION_LABELS = {
    "creation": "Signalement reçu",
    "statut": "Changement de statut",
    "affectation": "Affectation",
    "commentaire": "Commentaire",
    "lecture_signalant": "Consultation de la référence du signalant",
    "effacement_rgpd": "Effacement RGPD",
}
# Status buttons: (id suffix, target status, label, colour)
STATUS_BUTTONS = (
    ("ack", "pris_en_compte", "Prendre en compte", "primary"),
    ("intervene", "en_intervention", "En intervention", "warning"),
    ("resolve", "resolu", "Résolu", "success"),
    ("close", "clos", "Clore", "secondary"),
    ("reject", "rejete", "Rejeter", "outline-danger"),
)


def select(
    component_id: str,
    label: str,
    options: dict,
    value=None,
    md: int = 2,
    placeholder: str = "Toutes",
):
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id),
            dcc.Dropdown(
                id=component_id,
                options=[{"label": v, "value": k} for k, v in options.items()],
                value=value,
                placeholder=placeholder,
                clearable=True,
            ),
        ],
        md=md,
    )


def timeline(events: list[dict]):
    items = []
    for event in events:
        what = ACTION_LABELS.get(event["action"], event["action"])
        if event["to_status"] and event["action"] == "statut":
            what += f" : {STATUSES.get(event['to_status'], event['to_status'])}"
        if event["detail"]:
            what += f" — {event['detail']}"
        body = [
            html.Small(
                f"{local_time(event['at'], '%d/%m/%Y %H:%M:%S')} · {event['actor']}",
                className="text-muted d-block",
            ),
            html.Span(what),
        ]
        if event["comment"]:
            body.append(html.Div(event["comment"], className="fst-italic small"))
        items.append(dbc.ListGroupItem(body, className="py-1"))
    return dbc.ListGroup(items, flush=True, id="vigilance-timeline")


def detail_card(item: dict, events: list[dict], privileged: bool):
    """The selected incident; free text only for coordinators and admins."""
    badges = [
        dbc.Badge(item["category_label"], color="dark", className="me-1"),
        dbc.Badge(
            item["severity_label"],
            color=SEVERITY_COLORS.get(item["severity"], "secondary"),
            className="me-1",
        ),
        dbc.Badge(STATUSES[item["status"]], color="light", text_color="dark"),
    ]
    badges += late_badges(item)
    facts = [
        html.Div(
            f"{item['commune_name']} · signalé le "
            f"{local_time(item['ts'], '%d/%m/%Y %H:%M')} · source {item['source']}"
        ),
        html.Div(f"Affecté à : {item['assignee'] or 'personne'}"),
    ]
    if item["duplicate_of_id"]:
        facts.append(html.Div(f"Doublon de l'incident n° {item['duplicate_of_id']}"))
    if privileged:
        text = item["description"] or (
            "Texte effacé (RGPD)" if item["erased"] else "Pas de description"
        )
        facts.append(html.Blockquote(text, className="border-start ps-2 mt-2"))
    else:
        facts.append(
            html.Small(
                "Description et référence du signalant réservées aux "
                "coordinateurs sécurité.",
                className="text-muted",
            )
        )
    return html.Div(
        [
            html.H2(f"Incident n° {item['id']}", className="h5", id="vigilance-title"),
            html.Div(badges, className="mb-2", id="vigilance-badges"),
            *facts,
            deadline_block(item, events),
            html.H3("Chronologie", className="h6 mt-3"),
            timeline(events),
        ]
    )


def nearby_bin(item: dict | None):
    """For a « dépôt sauvage »: the nearest bin, its fill and its forecast."""
    if item is None:
        return html.Small(
            "Aucun bac à moins de 150 m.", className="text-muted d-block mt-2"
        )
    fill = "—" if item["fill_pct"] is None else f"{item['fill_pct']:.0f} %"
    eta = item.get("overflow_eta")
    forecast = (
        f"débordement prévu le {local_time(eta)}" if eta else "pas de débordement prévu"
    )
    return dbc.Alert(
        [
            html.I(className="bi bi-trash3 me-2"),
            "Bac le plus proche : ",
            html.Strong(item["code"]),
            f" · remplissage {fill} · {forecast}",
        ],
        color="warning" if (item["fill_pct"] or 0) >= 80 else "light",
        className="mt-2 py-2 small",
        id="vigilance-nearby-bin",
    )
