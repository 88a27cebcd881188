"""Tests of the demo fleet placement (services.fleet)."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import shapely

from services.fleet import (
    BIN_KINDS,
    CommuneArea,
    communes_from_geojson,
    generate_demo_fleet,
)

DATA = Path(__file__).parents[2] / "db" / "data"
CODE = re.compile(r"^(PAV|COR|REG)-(\d{5})-(\d{4})$")


@pytest.fixture(scope="module")
def communes() -> list[CommuneArea]:
    return communes_from_geojson(
        json.loads((DATA / "pma_communes.geojson").read_text())
    )


@pytest.fixture(scope="module")
def fleet(communes):
    return generate_demo_fleet(communes, 1500, seed=42)


def test_the_shipped_territory_has_73_communes_with_population(communes):
    assert len(communes) == 73
    assert all(c.population > 0 and c.geometry.is_valid for c in communes)


@pytest.mark.parametrize("n", [73, 400, 1500])
def test_generates_exactly_n_bins(communes, n):
    assert len(generate_demo_fleet(communes, n)) == n


def test_same_seed_gives_the_same_fleet_and_another_seed_does_not(communes):
    first = generate_demo_fleet(communes, 300, seed=3)
    assert first == generate_demo_fleet(list(reversed(communes)), 300, seed=3)
    assert first != generate_demo_fleet(communes, 300, seed=4)


def test_every_bin_lies_inside_its_commune_polygon(communes, fleet):
    geometry = {c.insee: c.geometry for c in communes}
    for b in fleet:
        assert round(b.lat, 6) == b.lat and round(b.lon, 6) == b.lon
        assert shapely.contains_xy(geometry[b.commune_insee], b.lon, b.lat), b.code


def test_codes_are_unique_and_follow_the_contract_format(fleet):
    assert len({b.code for b in fleet}) == len(fleet)
    numbers: dict[tuple[str, str], list[int]] = {}
    for b in fleet:
        family, insee, number = CODE.match(b.code).groups()
        expected = {"CORBEILLE": "COR", "REGROUPEMENT": "REG"}.get(b.kind, "PAV")
        assert (family, insee) == (expected, b.commune_insee)
        numbers.setdefault((family, insee), []).append(int(number))
    # Numbers count per family within a commune, from 1 without gaps.
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in numbers.values())


def test_dev_euis_are_unique_sixteen_upper_case_hex_digits(fleet):
    assert len({b.dev_eui for b in fleet}) == len(fleet)
    assert all(re.fullmatch(r"[0-9A-F]{16}", b.dev_eui) for b in fleet)


def test_kind_mix_matches_pma_deployment(fleet):
    share = {k: c / len(fleet) for k, c in Counter(b.kind for b in fleet).items()}
    assert set(share) == set(BIN_KINDS)
    pav = sum(v for k, v in share.items() if k.startswith("PAV_"))
    assert pav == pytest.approx(2 / 3, abs=0.02)
    assert share["CORBEILLE"] == pytest.approx(1 / 6, abs=0.02)
    assert share["REGROUPEMENT"] == pytest.approx(1 / 6, abs=0.02)
    for kind, of_pav in [("PAV_VERRE", 0.3), ("PAV_EMBALLAGES", 0.3),
                         ("PAV_PAPIER", 0.2), ("PAV_OM", 0.2)]:  # fmt: skip
        assert share[kind] / pav == pytest.approx(of_pav, abs=0.03)


def test_every_commune_gets_at_least_one_bin(communes, fleet):
    assert {b.commune_insee for b in fleet} == {c.insee for c in communes}
    small = generate_demo_fleet(communes, len(communes))
    assert Counter(b.commune_insee for b in small) == {c.insee: 1 for c in communes}


def test_bigger_communes_get_more_bins(communes, fleet):
    counts = Counter(b.commune_insee for b in fleet)
    ranked = sorted(communes, key=lambda c: (c.population, counts[c.insee]))
    per_commune = [counts[c.insee] for c in ranked]
    assert per_commune == sorted(per_commune)
    assert counts.most_common(1)[0][0] == "25388"  # Montbéliard, the largest
    assert per_commune[-1] > 10 * per_commune[0]


def test_fewer_bins_than_communes_go_to_the_most_populous(communes):
    top = sorted(communes, key=lambda c: -c.population)[:5]
    bins = generate_demo_fleet(communes, 5)
    assert {b.commune_insee for b in bins} == {c.insee for c in top}


def test_sizes_are_realistic_and_depth_exceeds_full_distance(fleet):
    ranges = {
        "PAV_VERRE": (3000, 4000, 1800, 2200, 250, 350),
        "PAV_PAPIER": (3000, 4000, 1800, 2200, 250, 350),
        "PAV_EMBALLAGES": (3000, 4000, 1800, 2200, 250, 350),
        "PAV_OM": (5000, 5000, 2200, 2500, 250, 350),
        "CORBEILLE": (60, 120, 600, 900, 80, 120),
        "REGROUPEMENT": (660, 770, 1100, 1300, 150, 250),
    }
    for b in fleet:
        cap_lo, cap_hi, empty_lo, empty_hi, full_lo, full_hi = ranges[b.kind]
        assert cap_lo <= b.capacity_l <= cap_hi
        assert empty_lo <= b.empty_distance_mm <= empty_hi
        assert full_lo <= b.full_distance_mm <= full_hi
        assert b.empty_distance_mm > b.full_distance_mm
