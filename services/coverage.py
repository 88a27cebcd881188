"""Health coverage arithmetic: distances, two-step floating catchment, class breaks.

Accessibility follows the spirit of DREES's APL (Barlet et al.): a two-step floating
catchment area with a stepped distance decay. Differences, on purpose and shown to
users: straight-line distances between commune label points instead of road travel
times, practitioner head counts instead of activity (consultations), and no
weighting of the population by age.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
PER = 10_000  # figures are given per 10,000 inhabitants


@dataclass(frozen=True)
class Place:
    """A commune as a point: demand (population) and possibly supply."""

    code: str
    name: str
    population: int
    lat: float
    lon: float
    inside: bool = True


@dataclass(frozen=True)
class Decay:
    """Stepped distance decay: (upper bound in km, weight) bands; beyond, weight 0.

    The default mirrors the APL bands for GPs (full weight within 10 minutes by
    road, 2/3 up to 15, 1/3 up to 20) at about 30 km/h in straight line.
    """

    bands: tuple[tuple[float, float], ...] = ((5.0, 1.0), (7.5, 2 / 3), (10.0, 1 / 3))

    def weight(self, distance: float) -> float:
        for limit, weight in self.bands:
            if distance <= limit:
                return weight
        return 0.0

    @property
    def catchment_km(self) -> float:
        return self.bands[-1][0]


DEFAULT_DECAY = Decay()


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance between two places (haversine)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def two_step_fca(
    places: list[Place],
    supply: dict[str, float],
    decay: Decay = DEFAULT_DECAY,
    distance: Callable[[Place, Place], float] = distance_km,
) -> dict[str, float]:
    """Accessibility of each place, in supply units per inhabitant.

    Step 1: each supply point j gets R_j = S_j / sum_k(P_k * w(d_kj)), its
    practitioners shared among the population that can reach it.
    Step 2: each place i gets A_i = sum_j(R_j * w(d_ij)).
    """
    weights = {
        (i.code, j.code): decay.weight(distance(i, j))
        for i in places
        for j in places
        if supply.get(j.code, 0) > 0
    }
    ratios = {}
    for j in places:
        if supply.get(j.code, 0) <= 0:
            continue
        demand = sum(k.population * weights[(k.code, j.code)] for k in places)
        ratios[j.code] = supply[j.code] / demand if demand > 0 else 0.0
    return {
        i.code: sum(r * weights[(i.code, j)] for j, r in ratios.items()) for i in places
    }


def nearest_supply(
    place: Place,
    places: Iterable[Place],
    supply: dict[str, float],
    distance: Callable[[Place, Place], float] = distance_km,
) -> tuple[Place, float] | None:
    """The closest place with supply (the place itself at 0 km when it has some)."""
    best = None
    for other in places:
        if supply.get(other.code, 0) <= 0:
            continue
        d = 0.0 if other.code == place.code else distance(place, other)
        if best is None or d < best[1]:
            best = (other, d)
    return best


def per_inhabitants(count: float, population: int) -> float | None:
    """A count per 10,000 inhabitants (None for an empty commune)."""
    return count / population * PER if population > 0 else None


def quantile_breaks(values: Iterable, classes: int = 5, decimals: int = 1) -> list:
    """Inner class limits splitting the positive values in classes of similar size.

    Zero has a class of its own on the map (« aucun »), so only positive values
    are split. A limit is the lower bound of the class above it; limits that
    would leave the first class empty, or repeat after rounding, are dropped.
    """
    positive = sorted(v for v in values if v is not None and v > 0)
    if not positive or classes < 2:
        return []
    limits: list = []
    for i in range(1, classes):
        limit = round(positive[math.floor(i * len(positive) / classes)], decimals)
        if decimals == 0:
            limit = int(limit)
        if limit > positive[0] and (not limits or limit > limits[-1]):
            limits.append(limit)
    return limits


def threshold_breaks(threshold: float) -> list[float]:
    """Fixed limits around the under-served threshold: ½, 1, 1½ and 2 times it."""
    return [round(threshold * f, 2) for f in (0.5, 1.0, 1.5, 2.0)]


def class_index(value: float | None, limits: list) -> int | None:
    """The class of a value (0 = lowest); the same rule as assets/sante.js."""
    if value is None:
        return None
    return bisect_right(limits, value)
