"""The recorded-crime context layer: off by default, values equal to the shipped
CSV, legend with unit, year and source, and the caveats on the page."""

from __future__ import annotations

import csv
from pathlib import Path

from components.vigilance_map import controls, layers
from tests.integration.test_vigilance_http import dash_call

CSV = Path(__file__).resolve().parents[2] / "db/data/pma_delinquance_ssmsi_derivee.csv"


def csv_value(year: int, insee: str, column: str) -> float | None:
    with CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["annee"] == str(year) and row["code_insee"] == insee:
                return float(row[column]) if row[column] else None
    raise AssertionError(f"{insee} {year} absent du CSV")


def context(client, on, group=None, year=None) -> dict:
    response = dash_call(
        client,
        "vigilance-context.data",
        {
            "vigilance-context-on.value": on,
            "vigilance-context-group.value": group,
            "vigilance-context-year.value": year,
        },
    )
    assert response.status_code == 200
    return response.get_json()["response"]


def test_the_layer_is_off_by_default(login_as):
    switch = next(
        c
        for c in controls([2024], {"g": "G"}, "g").children
        if getattr(c, "id", None) == "vigilance-context-on"
    )
    assert switch.value is False
    context_layer = next(c for c in layers() if c.id == "vigilance-context")
    assert context_layer.data["features"] == []
    client = login_as("securite")
    response = context(client, False, "securite_biens_pour_1000", 2024)
    assert response["vigilance-context"]["data"]["features"] == []
    assert response["vigilance-context-legend"]["children"] is None


def test_values_are_the_csv_ones_and_the_caveats_are_shown(login_as):
    client = login_as("operateur")
    column = "violences_personnes_pour_1000"
    response = context(client, True, column, 2022)
    features = {
        f["properties"]["code"]: f["properties"]
        for f in response["vigilance-context"]["data"]["features"]
    }
    assert len(features) == 73
    # Montbéliard and Audincourt, then a small commune whose value is secret.
    for insee in ("25388", "25031"):
        assert features[insee]["v"] == csv_value(2022, insee, column)
        assert features[insee]["v"] is not None
    secret = [code for code in features if csv_value(2022, code, column) is None]
    assert secret and all(features[code]["v"] is None for code in secret)
    legend = str(response["vigilance-context-legend"]["children"])
    for words in (
        "2022",
        "Violences aux personnes",
        "faits enregistrés pour 1 000 habitants",
        "pas des incidents signalés",
        "ne se comparent pas",
        "secret statistique",
        "moins de 1 000 habitants",
        "SSMSI",
        "Licence Ouverte",
        "donnée non diffusée",
    ):
        assert words in legend, words
    assert response["vigilance-context-options"]["style"] == {"display": "flex"}


def test_another_year_and_group_change_the_values(login_as):
    client = login_as("securite")
    column = "securite_biens_pour_1000"
    response = context(client, True, column, 2017)
    values = {
        f["properties"]["code"]: f["properties"]["v"]
        for f in response["vigilance-context"]["data"]["features"]
    }
    assert values["25388"] == csv_value(2017, "25388", column)
    assert "2017" in str(response["vigilance-context-legend"]["children"])
