"""Planning callbacks: candidates, solving, saving, savings."""

from __future__ import annotations

from datetime import date, timedelta

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import Input, Output, State, html, no_update
from flask_login import current_user
from sqlalchemy import select

from components.feed import local_time
from components.kpi import kpi_card, number_fr
from db.engine import get_session
from db.models import Bin
from services.collections import savings
from services.context import settings, thresholds
from services.planning import (
    candidate_for,
    candidates,
    depots,
    plan_from_json,
    plan_to_json,
    save_plan,
    stops_for,
)
from services.routing import Fleet, plan_routes

ROUTE_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
]
SOLVE_SECONDS = 8.0


def _day(value) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return date.today() + timedelta(days=1)


def _number(value, low, high, default):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def candidate_rows(items: list[dict]) -> list[dict]:
    return [
        {
            **i,
            "alert_eta": None,
            "alert_eta_fr": local_time(i["alert_eta"]) if i["alert_eta"] else "déjà",
        }
        for i in items
    ]


def route_layers(plan, depot) -> list:
    layers = [
        dl.CircleMarker(
            center=[depot.lat, depot.lon],
            radius=10,
            color="#000",
            fillColor="#000",
            fillOpacity=1,
            children=dl.Tooltip(depot.name),
        )
    ]
    for index, route in enumerate(plan.routes):
        color = ROUTE_COLORS[index % len(ROUTE_COLORS)]
        path = (
            [[depot.lat, depot.lon]]
            + [[s.lat, s.lon] for s in route.stops]
            + [[depot.lat, depot.lon]]
        )
        layers.append(dl.Polyline(positions=path, color=color, weight=4))
        layers.extend(
            dl.CircleMarker(
                center=[s.lat, s.lon],
                radius=6,
                color=color,
                fillOpacity=0.9,
                children=dl.Tooltip(f"Camion {route.truck} · {n} · {s.code}"),
            )
            for n, s in enumerate(route.stops, start=1)
        )
    return layers


def route_list(plan) -> list:
    items = []
    for index, route in enumerate(plan.routes):
        color = ROUTE_COLORS[index % len(ROUTE_COLORS)]
        stops = [html.Li(f"{s.code} ({number_fr(s.volume_l)} L)") for s in route.stops]
        items.append(
            dbc.AccordionItem(
                html.Ol(stops, className="mb-0"),
                title=html.Span(
                    [
                        html.Span("■ ", style={"color": color}),
                        f"Camion {route.truck} : {len(route.stops)} bacs, "
                        f"{number_fr(route.distance_km, 1)} km, "
                        f"{number_fr(route.duration_min / 60, 1)} h, "
                        f"{number_fr(route.load_l)} L",
                    ]
                ),
            )
        )
    return [dbc.Accordion(items, start_collapsed=True, id="tournees-accordion")]


def register(app) -> None:
    @app.callback(
        Output("tournees-candidates", "rowData"),
        Output("tournees-candidates", "selectedRows"),
        Output("tournees-add", "options"),
        Input("tournees-search", "n_clicks"),
        State("tournees-day", "date"),
    )
    def search_candidates(_n, day):
        session = get_session()
        rows = candidate_rows(candidates(session, _day(day), thresholds()))
        codes = session.scalars(select(Bin.code).order_by(Bin.code)).all()
        return rows, rows, list(codes)

    @app.callback(
        Output("tournees-candidates", "rowData", allow_duplicate=True),
        Output("tournees-candidates", "selectedRows", allow_duplicate=True),
        Input("tournees-add-button", "n_clicks"),
        State("tournees-add", "value"),
        State("tournees-candidates", "rowData"),
        State("tournees-candidates", "selectedRows"),
        State("tournees-day", "date"),
        prevent_initial_call=True,
    )
    def add_bin(_n, code, rows, selected, day):
        rows, selected = rows or [], selected or []
        if not code or any(r["code"] == code for r in rows):
            return no_update, no_update
        item = candidate_for(get_session(), str(code), _day(day))
        if item is None:
            return no_update, no_update
        row = candidate_rows([item])[0]
        return rows + [row], selected + [row]

    @app.callback(
        Output("tournees-candidates-summary", "children"),
        Input("tournees-candidates", "selectedRows"),
        Input("tournees-candidates", "rowData"),
    )
    def summarise_selection(selected, rows):
        selected = selected or []
        volume = sum(r["volume_l"] for r in selected)
        return (
            f"{len(selected)} bacs retenus sur {len(rows or [])} proposés · "
            f"{number_fr(volume)} L à collecter"
        )

    @app.callback(
        Output("tournees-plan", "data"),
        Output("tournees-result", "children"),
        Output("tournees-routes", "children"),
        Output("tournees-list", "children"),
        Output("tournees-save", "disabled"),
        Input("tournees-solve", "n_clicks"),
        State("tournees-candidates", "selectedRows"),
        State("tournees-depot", "value"),
        State("tournees-trucks", "value"),
        State("tournees-capacity", "value"),
        State("tournees-shift", "value"),
        prevent_initial_call=True,
    )
    def solve_routes(_n, selected, depot_index, trucks, capacity, shift):
        if not selected:
            alert = dbc.Alert("Sélectionnez au moins un bac.", color="warning")
            return None, alert, [], [], True
        config = settings()
        all_depots = depots(config)
        depot = all_depots[int(_number(depot_index, 0, len(all_depots) - 1, 0))]
        fleet = Fleet(
            trucks=int(_number(trucks, 1, 20, 3)),
            capacity_l=_number(capacity, 500, 100_000, 20_000),
            shift_min=_number(shift, 1, 12, 7) * 60,
        )
        plan = plan_routes(
            depot,
            stops_for(selected),
            fleet,
            SOLVE_SECONDS,
            osrm_url=config["OSRM_URL"],
        )
        served = sum(len(r.stops) for r in plan.routes)
        summary = [
            dbc.Row(
                [
                    dbc.Col(
                        kpi_card("Bacs desservis", number_fr(served), "bacs"), md=3
                    ),
                    dbc.Col(
                        kpi_card(
                            "Distance totale",
                            number_fr(plan.distance_km, 1),
                            "km",
                            hint=plan.distance_source,
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        kpi_card(
                            "Camions utilisés",
                            number_fr(len(plan.routes)),
                            f"/ {fleet.trucks}",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        kpi_card(
                            "Bacs non desservis",
                            number_fr(len(plan.unserved)),
                            "bacs",
                            color="danger" if plan.unserved else "dark",
                            hint="capacité ou durée insuffisante",
                        ),
                        md=3,
                    ),
                ],
                className="g-2",
                id="tournees-summary",
            ),
        ]
        store = {
            "plan": plan_to_json(plan),
            "depot": depot_index,
            "fleet": [fleet.trucks, fleet.capacity_l, fleet.shift_min],
        }
        return store, summary, route_layers(plan, depot), route_list(plan), False

    @app.callback(
        Output("tournees-saved", "children"),
        Output("tournees-save", "disabled", allow_duplicate=True),
        Input("tournees-save", "n_clicks"),
        State("tournees-plan", "data"),
        State("tournees-day", "date"),
        prevent_initial_call=True,
    )
    def publish_plan(_n, store, day):
        if not store:
            return no_update, True
        depot = depots(settings())[int(store["depot"] or 0)]
        trucks, capacity, shift = store["fleet"]
        plan = plan_from_json(store["plan"])
        session = get_session()
        row = save_plan(
            session,
            _day(day),
            depot,
            Fleet(int(trucks), capacity, shift),
            plan,
            current_user.username,
        )
        session.commit()
        links = [
            html.A(
                [html.I(className="bi bi-filetype-csv me-1"), "Tournées (CSV)"],
                href=f"/dechets/tournees/{row.id}.csv",
                className="me-3",
            )
        ]
        for route in plan.routes:
            links.append(
                html.Span(
                    [
                        f"Camion {route.truck} : ",
                        html.A(
                            "fiche équipe",
                            href=f"/dechets/tournees/{row.id}/{route.truck}",
                            className="me-1",
                        ),
                        "· ",
                        html.A(
                            "GPX", href=f"/dechets/tournees/{row.id}/{route.truck}.gpx"
                        ),
                    ],
                    className="me-3",
                )
            )
        return dbc.Alert(
            [html.Strong(f"Plan n° {row.id} enregistré. "), *links],
            color="success",
            id="tournees-published",
        ), True

    @app.callback(
        Output("tournees-savings", "children"), Input("tournees-period", "value")
    )
    def show_savings(days):
        last = date.today()
        first = last - timedelta(days=int(days or 30) - 1)
        figures = savings(get_session(), first, last)
        cards = [
            kpi_card(
                "Collectes réalisées",
                number_fr(figures["pickups"]),
                "collectes",
                hint=f"calendrier fixe : {number_fr(figures['baseline_pickups'])}",
            ),
            kpi_card(
                "Kilomètres planifiés",
                number_fr(figures["km"], 1),
                "km",
                hint="calendrier fixe : "
                f"{number_fr(figures['baseline_km'], 1) or '—'} km",
            ),
            kpi_card(
                "CO₂ évité",
                number_fr(figures["co2_avoided_kg"]),
                "kg CO₂e",
                hint=f"{number_fr(figures['kg_co2e_per_km'], 2)} kg CO₂e/km "
                "(55 L/100 km × 3,17 kg CO₂e/L, ADEME Base Carbone)",
            ),
            kpi_card(
                "Débordements constatés",
                number_fr(figures["overflows"]),
                "bac·jours",
                color="danger",
                hint=f"dont {figures['predicted_overflows']} prévus à l'avance",
            ),
        ]
        return html.Div(
            [
                dbc.Row([dbc.Col(c, md=3) for c in cards], className="g-2"),
                html.Small(
                    f"Du {first:%d/%m/%Y} au {last:%d/%m/%Y}. Référence : calendrier "
                    "fixe par type de bac (verre tous les 15 jours, papier chaque "
                    "semaine, emballages, OM et regroupements 2 fois par semaine, "
                    "corbeilles 6 jours sur 7).",
                    className="text-muted",
                ),
            ]
        )
