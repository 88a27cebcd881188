"""Tests of the collection-round engine and crew exports (services.routing*)."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import socket
import threading
import time as clock_time
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from services.routing import (
    DETOUR_FACTOR,
    Depot,
    Fleet,
    Plan,
    Route,
    Stop,
    distance_matrix_km,
    haversine_km,
    osrm_table_km,
    plan_routes,
)
from services.routing_export import clock, route_gpx, routes_csv

DEPOT = Depot("Dépôt & garage <Montbéliard>", 47.5096, 6.7986)
DAY = date(2025, 6, 3)
NS = {"g": "http://www.topografix.com/GPX/1/1"}
QUICK = 0.3  # seconds of search: the invariants hold for any solution found


def make_stops(n: int, seed: int = 7, volume=(400, 1400), service=4.0) -> list[Stop]:
    """Bins scattered over about 15 x 15 km around the depot."""
    rng = random.Random(seed)
    return [
        Stop(
            f"PAV-25388-{i:04d}",
            DEPOT.lat + rng.uniform(-0.07, 0.07),
            DEPOT.lon + rng.uniform(-0.1, 0.1),
            float(rng.randint(*volume)),
            service,
        )
        for i in range(n)
    ]


def straight_route_minutes(route: Route, speed_kmh: float) -> tuple[float, float]:
    """Distance and duration of a route, recomputed from haversine x factor."""
    path = [(DEPOT.lat, DEPOT.lon)] + [(s.lat, s.lon) for s in route.stops]
    path.append((DEPOT.lat, DEPOT.lon))
    km = sum(
        haversine_km(*a, *b) * DETOUR_FACTOR
        for a, b in zip(path, path[1:], strict=False)
    )
    return km, km / speed_kmh * 60 + sum(s.service_min for s in route.stops)


# Distances ----------------------------------------------------------------------


def test_haversine_montbeliard_to_belfort_is_15_07_km_straight_line():
    # Checked independently: spherical law of cosines 15.068 km, Vincenty on the
    # WGS84 ellipsoid 15.071 km.
    assert haversine_km(47.5096, 6.7986, 47.6380, 6.8628) == pytest.approx(
        15.07, abs=0.01
    )
    assert haversine_km(47.0, 6.0, 48.0, 6.0) == pytest.approx(111.195, abs=0.01)
    assert haversine_km(47.5, 6.8, 47.5, 6.8) == 0.0


def test_distance_matrix_is_symmetric_zero_diagonal_haversine_times_factor():
    points = [(s.lat, s.lon) for s in make_stops(6)]
    matrix, source = distance_matrix_km(points)
    assert source == "vol d'oiseau × 1,3"
    assert matrix.shape == (6, 6)
    assert np.allclose(matrix, matrix.T)
    assert np.all(np.diag(matrix) == 0)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            assert matrix[i, j] == pytest.approx(haversine_km(*a, *b) * 1.3)
    doubled, label = distance_matrix_km(points, detour_factor=2.0)
    assert np.allclose(doubled, matrix / 1.3 * 2.0) and label == "vol d'oiseau × 2"


# Routing ------------------------------------------------------------------------


def test_routes_respect_truck_capacity_and_report_true_loads():
    stops = make_stops(40)
    fleet = Fleet(trucks=4, capacity_l=6000, shift_min=480)
    plan = plan_routes(DEPOT, stops, fleet, time_limit_s=QUICK)
    # 40 bins of ~900 L cannot fit in 4 x 6000 L: the constraint must bind
    assert plan.unserved and len(plan.routes) == 4
    for route in plan.routes:
        assert route.load_l == sum(s.volume_l for s in route.stops)
        assert route.load_l <= fleet.capacity_l


def test_routes_respect_shift_length_with_driving_and_service_time():
    stops = make_stops(30, service=6.0)
    fleet = Fleet(trucks=2, capacity_l=1e6, shift_min=90, speed_kmh=25)
    plan = plan_routes(DEPOT, stops, fleet, time_limit_s=QUICK)
    assert plan.unserved and plan.routes
    for route in plan.routes:
        km, minutes = straight_route_minutes(route, fleet.speed_kmh)
        assert route.distance_km == pytest.approx(km)
        assert route.duration_min == pytest.approx(minutes)
        assert minutes <= fleet.shift_min
    assert plan.distance_km == pytest.approx(sum(r.distance_km for r in plan.routes))


def test_every_stop_is_routed_exactly_once_or_unserved_never_both():
    stops = make_stops(35)
    plan = plan_routes(DEPOT, stops, Fleet(3, 7000, 200), time_limit_s=QUICK)
    routed = [s.code for r in plan.routes for s in r.stops]
    dropped = [s.code for s in plan.unserved]
    counts = Counter(routed + dropped)
    assert set(counts) == {s.code for s in stops}
    assert set(counts.values()) == {1}
    assert [r.truck for r in plan.routes] == list(range(1, len(plan.routes) + 1))


def test_enough_trucks_leave_nothing_unserved():
    stops = make_stops(25)
    plan = plan_routes(DEPOT, stops, Fleet(5, 50_000, 480), time_limit_s=QUICK)
    assert plan.unserved == []
    assert sorted(s.code for r in plan.routes for s in r.stops) == sorted(
        s.code for s in stops
    )
    assert plan.solver_status in {"ROUTING_SUCCESS", "ROUTING_OPTIMAL"}


def test_tiny_capacity_lists_stops_as_unserved_instead_of_raising():
    stops = make_stops(8, volume=(400, 400))
    nothing_fits = plan_routes(DEPOT, stops, Fleet(2, 100, 480), time_limit_s=QUICK)
    assert nothing_fits.routes == [] and nothing_fits.unserved == stops
    one_each = plan_routes(DEPOT, stops, Fleet(2, 500, 480), time_limit_s=QUICK)
    assert [len(r.stops) for r in one_each.routes] == [1, 1]
    assert len(one_each.unserved) == 6


def test_no_stops_gives_an_empty_plan():
    plan = plan_routes(DEPOT, [], Fleet(3, 8000, 420))
    assert plan == Plan([], [], 0.0, DETOUR_FACTOR, "vol d'oiseau × 1,3", "NO_STOPS")


def test_one_stop_gives_one_out_and_back_route():
    stop = Stop("COR-25388-0001", 47.5200, 6.8100, 240, 1)
    plan = plan_routes(DEPOT, [stop], Fleet(3, 8000, 420), time_limit_s=QUICK)
    assert plan.unserved == [] and len(plan.routes) == 1
    route = plan.routes[0]
    leg = haversine_km(DEPOT.lat, DEPOT.lon, stop.lat, stop.lon) * 1.3
    assert route.stops == [stop] and route.truck == 1
    assert route.distance_km == pytest.approx(2 * leg)
    assert route.duration_min == pytest.approx(2 * leg / 25 * 60 + 1)
    assert route.arrival_min == [pytest.approx(leg / 25 * 60)]


def test_no_trucks_leaves_every_stop_unserved():
    stops = make_stops(3)
    plan = plan_routes(DEPOT, stops, Fleet(0, 8000, 420))
    assert plan.routes == [] and plan.unserved == stops


@pytest.mark.parametrize(
    "stop, fleet",
    [
        (Stop("X", 47.5, 6.8, -5, 1), Fleet(1, 8000, 420)),
        (Stop("X", float("nan"), 6.8, 5, 1), Fleet(1, 8000, 420)),
        (Stop("X", 47.5, 6.8, 5, 1), Fleet(1, 8000, 420, speed_kmh=0)),
    ],
)
def test_invalid_input_is_refused_with_a_value_error(stop, fleet):
    with pytest.raises(ValueError):
        plan_routes(DEPOT, [stop], fleet, time_limit_s=QUICK)


def test_progress_reports_rising_fractions_up_to_one():
    seen: list[float] = []
    plan_routes(DEPOT, make_stops(10), Fleet(2, 8000, 420), QUICK, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and 0 < seen[0] < 1


# Exports ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_routes(DEPOT, make_stops(16), Fleet(2, 20_000, 480), time_limit_s=QUICK)


def test_csv_parsed_back_gives_the_same_stops_in_order(plan):
    rows = list(csv.DictReader(io.StringIO(routes_csv(plan, DAY))))
    expected = [(r, i, s) for r in plan.routes for i, s in enumerate(r.stops)]
    assert len(rows) == len(expected) == 16
    for row, (route, i, stop) in zip(rows, expected, strict=True):
        assert row["date"] == "2025-06-03"
        assert (int(row["tournee"]), int(row["ordre"])) == (route.truck, i + 1)
        assert row["code"] == stop.code
        assert float(row["latitude"]) == pytest.approx(stop.lat, abs=1e-6)
        assert float(row["longitude"]) == pytest.approx(stop.lon, abs=1e-6)
        assert float(row["volume_l"]) == stop.volume_l
        km = float(row["distance_cumulee_km"])
        assert km == pytest.approx(route.cumulative_km[i], abs=0.005)
        start = datetime(2025, 6, 3, 6, 0)
        hour = start + timedelta(minutes=route.arrival_min[i])
        assert row["heure_estimee"] == f"{hour:%H:%M}"


def test_estimated_times_follow_the_paris_clock_across_daylight_saving():
    # 30 March 2025: 02:00 became 03:00 in Paris
    assert f"{clock(date(2025, 3, 30), time(1, 30), 60):%H:%M}" == "03:30"
    assert f"{clock(date(2025, 3, 29), time(1, 30), 60):%H:%M}" == "02:30"


def test_csv_of_an_empty_plan_is_the_header_alone():
    empty = Plan([], [], 0.0, 1.3, "vol d'oiseau × 1,3", "NO_STOPS")
    assert routes_csv(empty, DAY).splitlines() == [
        "date,tournee,ordre,code,latitude,longitude,volume_l,"
        "distance_cumulee_km,heure_estimee"
    ]


def test_gpx_parsed_back_gives_depot_stops_depot_with_coordinates(plan):
    route = plan.routes[0]
    root = ET.fromstring(route_gpx(route, DEPOT, DAY, "Tournée 1 — 03/06/2025"))
    assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx"
    assert root.get("version") == "1.1" and root.get("creator")
    points = root.findall("g:rte/g:rtept", NS)
    expected = [DEPOT, *route.stops, DEPOT]
    assert len(points) == len(expected)
    for point, place in zip(points, expected, strict=True):
        assert float(point.get("lat")) == pytest.approx(place.lat, abs=1e-6)
        assert float(point.get("lon")) == pytest.approx(place.lon, abs=1e-6)
    names = [p.findtext("g:name", namespaces=NS) for p in points]
    assert names == [DEPOT.name, *(s.code for s in route.stops), DEPOT.name]
    waypoints = root.findall("g:wpt", NS)
    assert [w.findtext("g:name", namespaces=NS) for w in waypoints] == [
        s.code for s in route.stops
    ]
    assert root.findtext("g:rte/g:name", namespaces=NS) == "Tournée 1 — 03/06/2025"
    first = points[0].findtext("g:time", namespaces=NS)
    assert first == "2025-06-03T04:00:00Z"  # 06:00 in Paris, summer time


def test_gpx_escapes_codes_and_names():
    odd = Stop('PAV-<1>&"x"', 47.51, 6.80, 100, 1)
    route = Route(1, [odd], 2.0, 10.0, 100)
    text = route_gpx(route, DEPOT, DAY, "A & B <C>")
    root = ET.fromstring(text)
    assert root.findtext("g:wpt/g:name", namespaces=NS) == odd.code
    assert root.findtext("g:metadata/g:name", namespaces=NS) == "A & B <C>"


# OSRM ---------------------------------------------------------------------------

ROAD_FACTOR = 1.5  # the fake road network, distinct from the 1.3 estimate
METRE = 0.001  # coordinates travel with 6 decimals (~0.1 m)


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/ like OSRM, with haversine x 1.5 in metres."""

    def do_GET(self):
        url = urlsplit(self.path)
        self.server.requests.append(self.path)
        if self.server.mode == "error":
            return self._answer(400, {"code": "TooBig", "message": "Too many"})
        coords = url.path.removeprefix("/table/v1/driving/").split(";")
        points = [tuple(map(float, c.split(",")))[::-1] for c in coords]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert query["annotations"] == "distance"
        every = ";".join(map(str, range(len(points))))
        sources = [int(i) for i in query.get("sources", every).split(";")]
        targets = [int(i) for i in query.get("destinations", every).split(";")]
        table = [
            [haversine_km(*points[i], *points[j]) * 1000 * ROAD_FACTOR for j in targets]
            for i in sources
        ]
        if self.server.mode == "null":
            table[0][-1] = None
        self._answer(200, {"code": "Ok", "distances": table})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    server.requests, server.mode = [], "ok"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_osrm_road_distances_replace_the_straight_line_estimate(osrm):
    points = [(s.lat, s.lon) for s in make_stops(5)]
    matrix, source = distance_matrix_km(points, osrm_url=osrm.url)
    assert source == "OSRM"
    straight = distance_matrix_km(points, detour_factor=1.0)[0]
    assert np.allclose(matrix, straight * ROAD_FACTOR, atol=METRE)
    assert len(osrm.requests) == 1
    assert osrm.requests[0].startswith("/table/v1/driving/6.")  # lon,lat order


def test_osrm_large_tables_are_asked_block_by_block(osrm):
    points = [(s.lat, s.lon) for s in make_stops(7)]
    table = osrm_table_km(points, osrm.url, max_table=4)
    straight = distance_matrix_km(points, detour_factor=1.0)[0]
    assert np.allclose(table, straight * ROAD_FACTOR, atol=METRE)
    assert len(osrm.requests) == 16  # blocks of 2: 4 x 4
    assert all(r.split("?")[0].count(";") <= 3 for r in osrm.requests)


def test_osrm_pairs_without_a_route_fall_back_to_the_estimate(osrm):
    osrm.mode = "null"
    points = [(s.lat, s.lon) for s in make_stops(3)]
    matrix, source = distance_matrix_km(points, osrm_url=osrm.url)
    assert source == "OSRM (1 trajets à vol d'oiseau)"
    assert matrix[0, 2] == pytest.approx(haversine_km(*points[0], *points[2]) * 1.3)
    road = haversine_km(*points[1], *points[2]) * ROAD_FACTOR
    assert matrix[1, 2] == pytest.approx(road, abs=METRE)


def test_osrm_error_answer_falls_back_to_straight_line(osrm):
    osrm.mode = "error"
    points = [(s.lat, s.lon) for s in make_stops(3)]
    matrix, source = distance_matrix_km(points, osrm_url=osrm.url)
    assert source == "vol d'oiseau × 1,3 (OSRM indisponible)"
    assert np.allclose(matrix, distance_matrix_km(points)[0])


def test_osrm_down_falls_back_to_straight_line_quickly():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    points = [(s.lat, s.lon) for s in make_stops(3)]
    started = clock_time.monotonic()
    matrix, source = distance_matrix_km(points, osrm_url=f"http://127.0.0.1:{port}")
    assert clock_time.monotonic() - started < 3
    assert source == "vol d'oiseau × 1,3 (OSRM indisponible)"
    assert np.allclose(matrix, distance_matrix_km(points)[0])


def test_plan_routes_uses_osrm_distances_when_given_a_server(osrm):
    stops = make_stops(6)
    plan = plan_routes(DEPOT, stops, Fleet(2, 8000, 480), QUICK, osrm_url=osrm.url)
    assert plan.distance_source == "OSRM" and plan.detour_factor == 1.0
    for route in plan.routes:
        km, _ = straight_route_minutes(route, 25)
        assert route.distance_km == pytest.approx(km / 1.3 * ROAD_FACTOR, abs=0.01)
    assert math.isclose(plan.distance_km, sum(r.distance_km for r in plan.routes))
