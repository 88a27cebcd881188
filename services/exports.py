"""CSV export of the bins grid, with the same filters as the page."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, request

from db.engine import get_session
from services.bins import filter_from_params, list_bins
from services.context import thresholds
from services.planning import load_plan
from services.routing_export import route_gpx, routes_csv

exports = Blueprint("exports", __name__)
HEADER = [
    "code",
    "type",
    "code_insee",
    "commune",
    "latitude",
    "longitude",
    "volume_l",
    "remplissage_pct",
    "etat",
    "derniere_mesure",
    "batterie_pct",
    "temperature_c",
    "deveui",
]


def init_app(server) -> None:
    server.register_blueprint(exports)


@exports.get("/dechets/export.csv")
def bins_csv():
    args = request.args
    filters = filter_from_params(
        args.get("commune"), args.get("kind"), args.get("fill"), args.get("status")
    )
    items, _ = list_bins(get_session(), filters, thresholds=thresholds())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for i in items:
        writer.writerow(
            [
                i["code"],
                i["kind"],
                i["commune_insee"],
                i["commune_name"],
                i["lat"],
                i["lon"],
                i["capacity_l"],
                i["fill_pct"],
                i["status"],
                i["measured_at"].isoformat() if i["measured_at"] else "",
                i["battery_pct"],
                i["temperature_c"],
                i["dev_eui"] or "",
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=bacs.csv"},
    )


@exports.get("/dechets/tournees/<int:plan_id>.csv")
def plan_csv(plan_id: int):
    loaded = load_plan(get_session(), plan_id)
    if loaded is None:
        return Response("plan inconnu", status=404)
    row, plan, _depot = loaded
    return Response(
        "\ufeff" + routes_csv(plan, date.fromisoformat(row.day)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=tournees-{row.day}.csv"},
    )


@exports.get("/dechets/tournees/<int:plan_id>/<int:truck>.gpx")
def route_gpx_file(plan_id: int, truck: int):
    loaded = load_plan(get_session(), plan_id)
    route = (
        None
        if loaded is None
        else next((r for r in loaded[1].routes if r.truck == truck), None)
    )
    if route is None:
        return Response("tournée inconnue", status=404)
    row, _plan, depot = loaded
    name = f"Tournée {row.day} camion {truck}"
    return Response(
        route_gpx(route, depot, date.fromisoformat(row.day), name),
        mimetype="application/gpx+xml",
        headers={
            "Content-Disposition": f"attachment; filename={_gpx_name(row.day, truck)}"
        },
    )


def _gpx_name(day: str, truck: int) -> str:
    return f"tournee-{day}-camion-{truck}.gpx"
