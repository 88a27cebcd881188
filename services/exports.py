"""CSV export of the bins grid, with the same filters as the page."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, request

from db.engine import get_session
from services.bins import filter_from_params, list_bins
from services.context import thresholds

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
