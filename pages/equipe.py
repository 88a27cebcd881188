"""Crew sheet for a tablet: one route, stop by stop, big buttons."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.kpi import number_fr
from db.engine import get_session
from services.collections import STATUSES, collected_codes
from services.planning import load_plan

dash.register_page(
    __name__,
    path_template="/dechets/tournees/<plan_id>/<truck>",
    name="Fiche équipe",
    title="Fiche équipe · Hyperviseur",
    nav=False,
)
BADGES = {"collecte": "success", "inaccessible": "warning"}


def stop_card(order: int, stop, status: str | None):
    badge = (
        dbc.Badge(STATUSES[status], color=BADGES[status], className="ms-2")
        if status
        else None
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.Span(f"{order}.", className="fs-3 fw-bold me-2"),
                        html.Span(stop.code, className="fs-4"),
                        html.Span(
                            badge,
                            id={"type": "tournees-stop-status", "code": stop.code},
                        ),
                    ],
                    className="d-flex align-items-center",
                ),
                html.Div(
                    f"{number_fr(stop.volume_l)} L prévus · "
                    f"{stop.lat:.5f}, {stop.lon:.5f}",
                    className="text-muted mb-2",
                ),
                dbc.Input(
                    id={"type": "tournees-stop-comment", "code": stop.code},
                    placeholder="Commentaire (facultatif)",
                    className="mb-2",
                    maxLength=500,
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            dbc.Button(
                                [
                                    html.I(className="bi bi-check-circle me-2"),
                                    "Collecté",
                                ],
                                id={
                                    "type": "tournees-stop-action",
                                    "code": stop.code,
                                    "status": "collecte",
                                },
                                color="success",
                                size="lg",
                                className="w-100 py-3",
                            )
                        ),
                        dbc.Col(
                            dbc.Button(
                                [
                                    html.I(className="bi bi-slash-circle me-2"),
                                    "Inaccessible",
                                ],
                                id={
                                    "type": "tournees-stop-action",
                                    "code": stop.code,
                                    "status": "inaccessible",
                                },
                                color="warning",
                                size="lg",
                                className="w-100 py-3",
                            )
                        ),
                    ],
                    className="g-2",
                ),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def layout(plan_id=None, truck=None, **_kwargs):
    try:
        plan_number, truck_number = int(plan_id), int(truck)
    except (TypeError, ValueError):
        return dbc.Alert("Fiche introuvable.", color="warning")
    session = get_session()
    loaded = load_plan(session, plan_number)
    route = None
    if loaded is not None:
        route = next((r for r in loaded[1].routes if r.truck == truck_number), None)
    if route is None:
        return dbc.Alert("Tournée introuvable.", color="warning", id="tournees-missing")
    row, _plan, depot = loaded
    done = collected_codes(session, plan_number)
    return html.Div(
        [
            html.H1(
                f"Tournée du {row.day[8:10]}/{row.day[5:7]} · camion {truck_number}",
                className="h3",
            ),
            html.P(
                f"Départ et retour : {depot.name} · {len(route.stops)} bacs · "
                f"{number_fr(route.distance_km, 1)} km",
                className="text-muted",
            ),
            html.A(
                [html.I(className="bi bi-geo-alt me-1"), "Itinéraire GPX"],
                href=f"/dechets/tournees/{plan_number}/{truck_number}.gpx",
                className="btn btn-outline-secondary mb-3",
            ),
            *[stop_card(n, s, done.get(s.code)) for n, s in enumerate(route.stops, 1)],
            dcc.Store(
                id="tournees-crew-route",
                data={"plan": plan_number, "truck": truck_number},
            ),
            html.Div(id="tournees-crew-feedback"),
        ],
        style={"maxWidth": "48rem"},
    )
