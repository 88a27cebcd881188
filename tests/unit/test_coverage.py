"""Coverage arithmetic: the two-step floating catchment on hand-computed examples,
distance decay, nearest supply, the map's class limits and the threshold setting."""

from __future__ import annotations

import pytest

from components.choropleth import legend_items, palette
from services.coverage import (
    Decay,
    Place,
    class_index,
    distance_km,
    nearest_supply,
    quantile_breaks,
    threshold_breaks,
    two_step_fca,
)
from services.health_indicators import underserved_threshold

A = Place("A", "A", 1000, 0, 0)
B = Place("B", "B", 3000, 0, 0)
C = Place("C", "C", 1000, 0, 0)
KM = {("A", "B"): 4.0, ("B", "C"): 6.0, ("A", "C"): 12.0}


def table_distance(a: Place, b: Place) -> float:
    if a.code == b.code:
        return 0.0
    return KM.get((a.code, b.code)) or KM[(b.code, a.code)]


def test_two_step_fca_matches_the_hand_computed_example():
    # Weights (bands 5 / 7.5 / 10 km): A-B 4 km -> 1, B-C 6 km -> 2/3, A-C 12 km -> 0.
    # Step 1: R_A = 2 / (1000 + 3000) = 1/2000 ; R_C = 1 / (1000 + 3000 * 2/3) = 1/3000.
    # Step 2: A_A = 1/2000 ; A_B = 1/2000 + 2/3 * 1/3000 = 13/18000 ; A_C = 1/3000.
    access = two_step_fca([A, B, C], {"A": 2, "C": 1}, distance=table_distance)
    per_10k = {code: value * 10_000 for code, value in access.items()}
    assert per_10k["A"] == pytest.approx(5.0)
    assert per_10k["B"] == pytest.approx(65 / 9)  # 7.222...
    assert per_10k["C"] == pytest.approx(10 / 3)  # 3.333...
    # Every practitioner is shared out exactly once.
    total = sum(access[p.code] * p.population for p in (A, B, C))
    assert total == pytest.approx(3.0)


def test_supply_just_outside_the_territory_counts():
    outside = Place("D", "D", 2000, 0, 0, inside=False)
    KM.update({("A", "D"): 20.0, ("B", "D"): 20.0, ("C", "D"): 3.0})
    try:
        access = two_step_fca([A, B, C, outside], {"D": 3}, distance=table_distance)
    finally:
        for key in (("A", "D"), ("B", "D"), ("C", "D")):
            KM.pop(key)
    # R_D = 3 / (1000 + 2000) = 1/1000: C reaches it at full weight, A and B not at all.
    assert access["C"] * 10_000 == pytest.approx(10.0)
    assert access["A"] == 0 and access["B"] == 0


def test_a_commune_out_of_every_catchment_gets_zero():
    access = two_step_fca([A, C], {"A": 1}, distance=table_distance)
    assert access == {"A": pytest.approx(1 / 1000), "C": 0}


def test_stepped_decay_bands():
    decay = Decay()
    assert [decay.weight(d) for d in (0, 5, 5.01, 7.5, 9.99, 10, 10.01, 30)] == [
        1,
        1,
        pytest.approx(2 / 3),
        pytest.approx(2 / 3),
        pytest.approx(1 / 3),
        pytest.approx(1 / 3),
        0,
        0,
    ]
    assert decay.catchment_km == 10


def test_distance_is_the_great_circle_distance():
    assert distance_km(Place("x", "", 0, 47.0, 6.8), Place("y", "", 0, 48.0, 6.8)) == (
        pytest.approx(111.2, abs=0.1)
    )
    montbeliard = Place("25388", "", 0, 47.51593, 6.79212)
    audincourt = Place("25031", "", 0, 47.47737, 6.85934)
    assert distance_km(montbeliard, audincourt) == pytest.approx(6.6, abs=0.1)


def test_nearest_supply_is_the_commune_itself_when_it_has_some():
    assert nearest_supply(A, [A, B, C], {"A": 1}, table_distance) == (A, 0.0)
    assert nearest_supply(C, [A, B, C], {"A": 1, "B": 1}, table_distance) == (B, 6.0)
    assert nearest_supply(C, [A, B, C], {}, table_distance) is None


def test_quantile_breaks_split_positive_values_evenly():
    values = [0, 0, None, *range(1, 11)]
    limits = quantile_breaks(values, 5, decimals=0)
    assert limits == [3, 5, 7, 9]
    classes = [class_index(v, limits) for v in range(1, 11)]
    assert classes == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_quantile_breaks_degenerate_cases():
    assert quantile_breaks([]) == []
    assert quantile_breaks([0, 0, None]) == []
    assert quantile_breaks([4.0, 4.0, 4.0]) == []  # one class, no empty one
    assert quantile_breaks([1.04, 1.06, 1.07, 9.0], 4, decimals=1) == [1.1, 9.0]


def test_class_index_puts_a_value_on_a_limit_in_the_upper_class():
    limits = [3.0, 6.0, 9.0, 12.0]
    assert class_index(None, limits) is None
    assert [class_index(v, limits) for v in (0, 2.99, 3.0, 6.0, 11.9, 12, 40)] == [
        0,
        0,
        1,
        2,
        3,
        4,
        4,
    ]


def test_accessibility_classes_are_anchored_on_the_threshold():
    assert threshold_breaks(6.0) == [3.0, 6.0, 9.0, 12.0]
    assert threshold_breaks(2.5) == [1.25, 2.5, 3.75, 5.0]


def test_legend_labels_and_colours_follow_the_limits():
    assert legend_items([3.0, 6.0], 1) == [
        "moins de 3,0",
        "3,0 à moins de 6,0",
        "6,0 ou plus",
    ]
    assert legend_items([], 0) == ["toutes valeurs"]
    assert len(palette([3, 6], diverging=True)) == 3
    assert len(palette([1, 2, 3, 4], diverging=False)) == 5
    assert palette([1, 2, 3, 4], diverging=True)[0] == "#d7191c"


def test_underserved_threshold_is_configurable(monkeypatch):
    monkeypatch.delenv("HEALTH_UNDERSERVED_THRESHOLD", raising=False)
    assert underserved_threshold({}) == 6.0
    monkeypatch.setenv("HEALTH_UNDERSERVED_THRESHOLD", "4,5")
    assert underserved_threshold({}) == 4.5
    assert underserved_threshold({"HEALTH_UNDERSERVED_THRESHOLD": "7"}) == 7.0
    monkeypatch.setenv("HEALTH_UNDERSERVED_THRESHOLD", "beaucoup")
    assert underserved_threshold({}) == 6.0
