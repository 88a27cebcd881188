"""Placement of the demo fleet of fill-level sensors across PMA's communes.

Pure functions: no database, no Dash. The mix and the container sizes mimic PMA's
real deployment (about 1,000 recycling points, 250 park bins and 100 grouping
points, see CONTRACT.md); the sizes are typical French container sizes, not PMA
data. Everything is deterministic for a given seed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

BIN_KINDS = (
    "PAV_VERRE",
    "PAV_PAPIER",
    "PAV_EMBALLAGES",
    "PAV_OM",
    "CORBEILLE",
    "REGROUPEMENT",
)
# Share of the whole fleet: 2/3 PAV (verre 30 %, emballages 30 %, papier 20 %,
# OM 20 % of PAV), 1/6 park bins, the rest grouping points.
KIND_SHARES = {
    "PAV_VERRE": 0.2,
    "PAV_PAPIER": 2 / 15,
    "PAV_EMBALLAGES": 0.2,
    "PAV_OM": 2 / 15,
    "CORBEILLE": 1 / 6,
    "REGROUPEMENT": 1 / 6,
}
FAMILIES = {"CORBEILLE": "COR", "REGROUPEMENT": "REG"}  # every other kind is PAV
# kind: (capacities in L, empty distance range mm, full distance range mm)
_GEOMETRY = {
    "PAV_VERRE": ((3000, 3500, 4000), (1800, 2200), (250, 350)),
    "PAV_PAPIER": ((3000, 3500, 4000), (1800, 2200), (250, 350)),
    "PAV_EMBALLAGES": ((3000, 3500, 4000), (1800, 2200), (250, 350)),
    "PAV_OM": ((5000,), (2200, 2500), (250, 350)),
    "CORBEILLE": ((60, 80, 100, 120), (600, 900), (80, 120)),
    "REGROUPEMENT": ((660, 770), (1100, 1300), (150, 250)),
}
DEV_EUI_PREFIX = "A84041"
_EUI_MULTIPLIER = 0x9E3779B97  # odd, hence a bijection modulo 2**40: no collisions


@dataclass(frozen=True)
class CommuneArea:
    """A commune as the fleet generator needs it (geometry in lon/lat)."""

    insee: str
    name: str
    population: int
    geometry: BaseGeometry


@dataclass(frozen=True)
class DemoBin:
    """One demo bin with its sensor, in the shape of the inventory CSV."""

    code: str
    kind: str
    commune_insee: str
    lat: float
    lon: float
    capacity_l: int
    empty_distance_mm: int
    full_distance_mm: int
    dev_eui: str


def communes_from_geojson(data: dict[str, Any]) -> list[CommuneArea]:
    """Commune areas from the shipped GeoJSON (properties code, nom, pmun_2023)."""
    return [
        CommuneArea(
            insee=str(f["properties"]["code"]),
            name=str(f["properties"]["nom"]),
            population=int(f["properties"].get("pmun_2023") or 0),
            geometry=shape(f["geometry"]),
        )
        for f in data["features"]
    ]


def dev_eui_for(index: int) -> str:
    """Deterministic, unique DevEUI for the index-th sensor (scrambled, not serial)."""
    return f"{DEV_EUI_PREFIX}{((index + 1) * _EUI_MULTIPLIER) % (1 << 40):010X}"


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Split `total` into integers proportional to `weights` (Hamilton method)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    quota = weights / weights.sum() * total
    counts = np.floor(quota).astype(int)
    # Stable sort so that ties go to the earliest item, deterministically.
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def allocate_bins(populations: list[int], n: int) -> list[int]:
    """Bins per commune: at least one each, the rest in proportion to population.

    With fewer bins than communes, the most populous communes get one each.
    """
    pops = np.asarray(populations, dtype=float)
    if n < len(pops):
        counts = np.zeros(len(pops), dtype=int)
        counts[np.argsort(-pops, kind="stable")[:n]] = 1
        return counts.tolist()
    return (1 + _largest_remainder(pops, n - len(pops))).tolist()


def random_points_in(
    geometry: BaseGeometry, k: int, rng: np.random.Generator
) -> np.ndarray:
    """`k` uniform points (lon, lat) inside `geometry`, still inside once rounded."""
    minx, miny, maxx, maxy = geometry.bounds
    fill_ratio = max(geometry.area / ((maxx - minx) * (maxy - miny) or 1.0), 0.05)
    shapely.prepare(geometry)
    found: list[np.ndarray] = []
    missing = k
    while missing > 0:
        batch = int(missing / fill_ratio * 1.5) + 16
        pts = np.round(rng.uniform((minx, miny), (maxx, maxy), (batch, 2)), 6)
        # Rounded to 6 decimals first, so that stored coordinates pass the test too.
        inside = pts[shapely.contains_xy(geometry, pts[:, 0], pts[:, 1])][:missing]
        found.append(inside)
        missing -= len(inside)
    return np.concatenate(found) if found else np.empty((0, 2))


def generate_demo_fleet(
    communes: list[CommuneArea], n: int, seed: int = 42
) -> list[DemoBin]:
    """Exactly `n` demo bins spread over `communes`, deterministic for `seed`."""
    rng = np.random.default_rng(seed)
    communes = sorted(communes, key=lambda c: c.insee)  # input order must not matter
    counts = allocate_bins([c.population for c in communes], n)
    kind_counts = _largest_remainder(np.array(list(KIND_SHARES.values())), n)
    kinds = np.repeat(np.array(list(KIND_SHARES)), kind_counts)
    rng.shuffle(kinds)

    bins: list[DemoBin] = []
    for commune, count in zip(communes, counts, strict=True):
        if count == 0:
            continue
        points = random_points_in(commune.geometry, count, rng)
        numbers: dict[str, int] = defaultdict(int)
        for lon, lat in points:
            kind = str(kinds[len(bins)])
            family = FAMILIES.get(kind, "PAV")
            numbers[family] += 1
            capacities, empty_range, full_range = _GEOMETRY[kind]
            bins.append(
                DemoBin(
                    code=f"{family}-{commune.insee}-{numbers[family]:04d}",
                    kind=kind,
                    commune_insee=commune.insee,
                    lat=float(lat),
                    lon=float(lon),
                    capacity_l=int(rng.choice(capacities)),
                    empty_distance_mm=int(rng.integers(*empty_range, endpoint=True)),
                    full_distance_mm=int(rng.integers(*full_range, endpoint=True)),
                    dev_eui=dev_eui_for(len(bins)),
                )
            )
    return bins
