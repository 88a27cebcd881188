"""Collection rounds: road distances and the vehicle routing problem (OR-Tools).

Pure functions, no database and no Dash: the planning page hands in a depot, the bins
to visit and the fleet, and gets back ordered routes plus the bins that did not fit.

Distances are straight lines (haversine) times ``DETOUR_FACTOR``, because roads are
never straight. This road/straight-line ratio ("circuity") was measured country by
country by Ballou, Rahardja & Sakai, "Selected country circuity factors for road travel
distance estimation", Transportation Research Part A 36(9), 2002, 843-848; 1.2-1.4 is
the range commonly quoted for road travel. The 1.3 used here is an assumption from that
range, not a measurement on PMA roads: when ``OSRM_URL`` points at an OSRM server, its
road distances replace the estimate (and comparing both there would calibrate it).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

log = logging.getLogger(__name__)

DETOUR_FACTOR = 1.3
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
OSRM_TIMEOUT_S = 5.0
OSRM_MAX_TABLE = 100  # osrm-routed's default --max-table-size


@dataclass(frozen=True)
class Stop:
    code: str
    lat: float
    lon: float
    volume_l: float  # waste to pick up
    service_min: float  # time spent at the stop


@dataclass(frozen=True)
class Depot:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Fleet:
    trucks: int
    capacity_l: float
    shift_min: float
    speed_kmh: float = 25.0


@dataclass(frozen=True)
class Route:
    truck: int  # 1..number of routes used
    stops: list[Stop]  # in visit order
    distance_km: float  # depot -> stops -> depot
    duration_min: float  # driving plus service, back at the depot
    load_l: float
    arrival_min: list[float] = field(default_factory=list)  # after the shift start
    cumulative_km: list[float] = field(default_factory=list)  # driven on arrival


@dataclass(frozen=True)
class Plan:
    routes: list[Route]
    unserved: list[Stop]
    distance_km: float
    detour_factor: float  # 1.0 when the distances come from OSRM
    distance_source: str
    solver_status: str


def haversine_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance on the mean-radius sphere."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _haversine_matrix(points: list[tuple[float, float]]) -> np.ndarray:
    coords = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = coords[:, 0][:, None], coords[:, 1][:, None]
    h = (
        np.sin((lat.T - lat) / 2) ** 2
        + np.cos(lat) * np.cos(lat.T) * np.sin((lon.T - lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def osrm_table_km(
    points: list[tuple[float, float]],
    osrm_url: str,
    timeout_s: float = OSRM_TIMEOUT_S,
    max_table: int = OSRM_MAX_TABLE,
) -> np.ndarray:
    """Road distances from OSRM's table service; NaN where it found no route.

    Above ``max_table`` points the matrix is asked block by block (sources x
    destinations), since the server refuses larger tables.
    """
    n = len(points)
    size = n if n <= max_table else max(1, max_table // 2)
    blocks = [list(range(i, min(i + size, n))) for i in range(0, n, size)]
    table = np.full((n, n), np.nan)
    for src in blocks:
        for dst in blocks:
            nodes = src if src is dst else src + dst
            query = {"annotations": "distance"}
            if src is not dst:
                query["sources"] = ";".join(map(str, range(len(src))))
                query["destinations"] = ";".join(map(str, range(len(src), len(nodes))))
            coords = ";".join(f"{points[i][1]:.6f},{points[i][0]:.6f}" for i in nodes)
            url = (
                f"{osrm_url.rstrip('/')}/table/v1/driving/{coords}?"
                + urllib.parse.urlencode(query, safe=";")
            )
            try:
                with urllib.request.urlopen(url, timeout=timeout_s) as response:
                    body = json.load(response)
            except urllib.error.HTTPError as e:
                e.close()  # OSRM answers errors as 400 with a JSON body
                raise ValueError(f"OSRM: HTTP {e.code}") from None
            if body.get("code") != "Ok":
                raise ValueError(f"OSRM: {body.get('code')} {body.get('message', '')}")
            block = np.array(body["distances"], dtype=float)
            if block.shape != (len(src), len(dst)):
                raise ValueError(f"OSRM: table of shape {block.shape}")
            table[np.ix_(src, dst)] = block / 1000.0
    return table


def _straight_line_source(detour_factor: float) -> str:
    return f"vol d'oiseau × {detour_factor:g}".replace(".", ",")


def distance_matrix_km(
    points: list[tuple[float, float]],
    detour_factor: float = DETOUR_FACTOR,
    osrm_url: str | None = None,
) -> tuple[np.ndarray, str]:
    """Distances between (lat, lon) points, in km, and where they come from."""
    estimate = _haversine_matrix(points) * detour_factor
    source = _straight_line_source(detour_factor)
    if not osrm_url or len(points) < 2:
        return estimate, source
    try:
        road = osrm_table_km(points, osrm_url)
    except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException) as e:
        log.warning("OSRM indisponible (%s), distances à vol d'oiseau", e)
        return estimate, f"{source} (OSRM indisponible)"
    missing = np.isnan(road)
    np.fill_diagonal(missing, False)
    road[missing] = estimate[missing]
    np.fill_diagonal(road, 0.0)
    if missing.any():
        return road, f"OSRM ({int(missing.sum())} trajets à vol d'oiseau)"
    return road, "OSRM"


def _check(depot: Depot, stops: list[Stop], fleet: Fleet) -> None:
    if not (math.isfinite(depot.lat) and math.isfinite(depot.lon)):
        raise ValueError("dépôt : coordonnées invalides")
    if fleet.trucks < 0 or fleet.capacity_l < 0 or fleet.shift_min < 0:
        raise ValueError("flotte : valeurs négatives")
    if fleet.speed_kmh <= 0:
        raise ValueError("flotte : vitesse nulle")
    for s in stops:
        if not (s.volume_l >= 0 and s.service_min >= 0):
            raise ValueError(f"arrêt {s.code} : volume ou temps de service invalide")
        if not (math.isfinite(s.lat) and math.isfinite(s.lon)):
            raise ValueError(f"arrêt {s.code} : coordonnées invalides")


def plan_routes(
    depot: Depot,
    stops: list[Stop],
    fleet: Fleet,
    time_limit_s: float = 10.0,
    osrm_url: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> Plan:
    """Routes of least distance within capacity and shift; what cannot fit is listed.

    Guided local search has no natural end: it uses the whole ``time_limit_s``.
    ``progress`` receives fractions from 0 to 1.
    """
    _check(depot, stops, fleet)
    if not stops or fleet.trucks == 0:
        source = _straight_line_source(DETOUR_FACTOR)
        status = "NO_STOPS" if not stops else "NO_TRUCKS"
        return Plan([], list(stops), 0.0, DETOUR_FACTOR, source, status)
    points = [(depot.lat, depot.lon)] + [(s.lat, s.lon) for s in stops]
    km, source = distance_matrix_km(points, osrm_url=osrm_url)
    factor = 1.0 if source.startswith("OSRM") else DETOUR_FACTOR
    if progress:
        progress(0.05)
    solve = _Solve(km, stops, fleet, time_limit_s, progress)
    nodes_by_truck, status = solve.run()
    # Trucks are identical: the routes used are numbered 1..k, in solver order
    used = [nodes for nodes in nodes_by_truck if nodes]
    routes = [
        _route(truck, nodes, km, stops, fleet.speed_kmh)
        for truck, nodes in enumerate(used, 1)
    ]
    served = {i for nodes in used for i in nodes}
    unserved = [s for i, s in enumerate(stops, 1) if i not in served]
    if progress:
        progress(1.0)
    total = sum(r.distance_km for r in routes)
    return Plan(routes, unserved, total, factor, source, status)


class _Solve:
    """The OR-Tools model; integers inside: metres, seconds, litres."""

    def __init__(self, km, stops, fleet, time_limit_s, progress):
        self.fleet, self.time_limit_s, self.progress = fleet, time_limit_s, progress
        self.reported = 0.05
        self.manager = pywrapcp.RoutingIndexManager(len(km), fleet.trucks, 0)
        self.model = pywrapcp.RoutingModel(self.manager)
        # Rounding up keeps every integer constraint at least as strict as the real one
        metres = np.ceil(km * 1000).astype(np.int64)
        seconds = np.ceil(km / fleet.speed_kmh * 3600).astype(np.int64)
        service = np.array([0] + [math.ceil(s.service_min * 60) for s in stops])
        demand = [0] + [math.ceil(s.volume_l) for s in stops]
        model = self.model
        arc = model.RegisterTransitMatrix(metres.tolist())
        model.SetArcCostEvaluatorOfAllVehicles(arc)
        load = model.RegisterUnaryTransitVector(demand)
        capacity = [math.floor(fleet.capacity_l)] * fleet.trucks
        model.AddDimensionWithVehicleCapacity(load, 0, capacity, True, "Capacity")
        # Service time is charged on the arc leaving the stop
        duration = model.RegisterTransitMatrix((seconds + service[:, None]).tolist())
        horizon = math.floor(fleet.shift_min * 60)
        model.AddDimension(duration, 0, horizon, True, "Time")
        # Serving a stop adds at most two arcs: dropping must always cost more
        penalty = 10 * (2 * int(metres.max()) + 1)
        for node in range(1, len(km)):
            model.AddDisjunction([self.manager.NodeToIndex(node)], penalty)

    def run(self) -> tuple[list[list[int]], str]:
        params = pywrapcp.DefaultRoutingSearchParameters()
        strategies = routing_enums_pb2.FirstSolutionStrategy
        params.first_solution_strategy = strategies.PATH_CHEAPEST_ARC
        metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
        params.local_search_metaheuristic = metaheuristics.GUIDED_LOCAL_SEARCH
        params.time_limit.FromMilliseconds(max(1, round(self.time_limit_s * 1000)))
        if self.progress:
            self.model.AddAtSolutionCallback(self._report)
        solution = self.model.SolveWithParameters(params)
        status = routing_enums_pb2.RoutingSearchStatus.Value.Name(self.model.status())
        routes: list[list[int]] = []
        if solution is None:
            return routes, status
        for vehicle in range(self.fleet.trucks):
            nodes = []
            index = solution.Value(self.model.NextVar(self.model.Start(vehicle)))
            while not self.model.IsEnd(index):
                nodes.append(self.manager.IndexToNode(index))
                index = solution.Value(self.model.NextVar(index))
            routes.append(nodes)
        return routes, status

    def _report(self) -> None:
        # Called at every improving solution, often hundreds of times: report in steps
        elapsed = self.model.solver().WallTime() / 1000
        fraction = min(0.99, 0.05 + 0.94 * elapsed / max(self.time_limit_s, 1e-3))
        if fraction >= self.reported + 0.05:
            self.reported = fraction
            self.progress(fraction)


def _route(truck, nodes, km, stops, speed_kmh) -> Route:
    path = [0, *nodes, 0]
    legs = km[path[:-1], path[1:]]
    visited = [stops[i - 1] for i in nodes]
    cumulative, arrival = [], []
    driven = minutes = 0.0
    for leg, stop in zip(legs, visited, strict=False):
        driven += leg
        minutes += leg / speed_kmh * 60
        cumulative.append(float(driven))
        arrival.append(float(minutes))
        minutes += stop.service_min
    duration = minutes + legs[-1] / speed_kmh * 60
    return Route(
        truck=truck,
        stops=visited,
        distance_km=float(legs.sum()),
        duration_min=float(duration),
        load_l=float(sum(s.volume_l for s in visited)),
        arrival_min=arrival,
        cumulative_km=cumulative,
    )
