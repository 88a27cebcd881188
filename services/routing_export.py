"""Crew exports of planned rounds: one CSV for the whole day, one GPX per route.

Times are local to Europe/Paris: a route leaves the depot at the shift start and each
stop gets its estimated arrival. Elapsed minutes are added in UTC, so a round that
crosses a daylight-saving change still shows the clock time the crew will read.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.routing import Depot, Plan, Route

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_SHIFT_START = time(6, 0)
GPX_NS = "http://www.topografix.com/GPX/1/1"
GPX_CREATOR = "Hyperviseur territorial PMA"
CSV_HEADER = [
    "date",
    "tournee",
    "ordre",
    "code",
    "latitude",
    "longitude",
    "volume_l",
    "distance_cumulee_km",
    "heure_estimee",
]


def clock(day: date, shift_start: time, minutes: float) -> datetime:
    """The Paris time ``minutes`` of real time after the shift start on ``day``."""
    start = datetime.combine(day, shift_start, tzinfo=PARIS).astimezone(UTC)
    return (start + timedelta(minutes=minutes)).astimezone(PARIS)


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def routes_csv(plan: Plan, day: date, shift_start: time = DEFAULT_SHIFT_START) -> str:
    """One row per stop, routes in order; the caller encodes it in UTF-8.

    Routes built by hand without arrival times leave the last two columns empty.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for route in plan.routes:
        timed = len(route.arrival_min) == len(route.cumulative_km) == len(route.stops)
        for order, stop in enumerate(route.stops):
            km = f"{route.cumulative_km[order]:.2f}" if timed else ""
            hour = (
                f"{clock(day, shift_start, route.arrival_min[order]):%H:%M}"
                if timed
                else ""
            )
            writer.writerow(
                [
                    day.isoformat(),
                    route.truck,
                    order + 1,
                    stop.code,
                    f"{stop.lat:.6f}",
                    f"{stop.lon:.6f}",
                    _number(stop.volume_l),
                    km,
                    hour,
                ]
            )
    return buffer.getvalue()


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _point(parent, tag, lat, lon, name, moment=None, desc=None) -> ET.Element:
    # GPX 1.1 fixes the order of children: time, then name, then desc
    point = ET.SubElement(parent, tag, lat=f"{lat:.6f}", lon=f"{lon:.6f}")
    if moment is not None:
        ET.SubElement(point, "time").text = _utc(moment)
    ET.SubElement(point, "name").text = name
    if desc:
        ET.SubElement(point, "desc").text = desc
    return point


def route_gpx(
    route: Route,
    depot: Depot,
    day: date,
    name: str,
    shift_start: time = DEFAULT_SHIFT_START,
) -> str:
    """A GPX 1.1 document: a waypoint per stop and the route depot -> stops -> depot."""
    timed = len(route.arrival_min) == len(route.stops)
    start = clock(day, shift_start, 0)
    km = f"{route.distance_km:.1f}".replace(".", ",")
    summary = (
        f"Tournée {route.truck} du {day:%d/%m/%Y} : {len(route.stops)} arrêts, "
        f"{km} km, {route.load_l:.0f} L"
    )
    root = ET.Element("gpx", xmlns=GPX_NS, version="1.1", creator=GPX_CREATOR)
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "name").text = name
    ET.SubElement(metadata, "desc").text = summary
    ET.SubElement(metadata, "time").text = _utc(start)
    arrivals = (
        [clock(day, shift_start, minutes) for minutes in route.arrival_min]
        if timed
        else [None] * len(route.stops)
    )
    for stop, moment in zip(route.stops, arrivals, strict=True):
        desc = f"{_number(stop.volume_l)} L"
        if moment is not None:
            desc += f", arrivée vers {moment:%H:%M}"
        _point(root, "wpt", stop.lat, stop.lon, stop.code, moment, desc)
    rte = ET.SubElement(root, "rte")
    ET.SubElement(rte, "name").text = name
    ET.SubElement(rte, "desc").text = summary
    ET.SubElement(rte, "number").text = str(route.truck)
    _point(rte, "rtept", depot.lat, depot.lon, depot.name, start)
    for stop, moment in zip(route.stops, arrivals, strict=True):
        _point(rte, "rtept", stop.lat, stop.lon, stop.code, moment)
    back = clock(day, shift_start, route.duration_min) if timed else None
    _point(rte, "rtept", depot.lat, depot.lon, depot.name, back)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="unicode"
    )
