"""Context layer of /vigilance: recorded-crime rates per commune (SSMSI, derived).

The file ships with the product (`db/data/pma_delinquance_ssmsi_derivee.csv`) and
is read on first use, never at import. Rates are offences recorded by police and
gendarmerie per 1,000 inhabitants, grouped by a third party; an empty cell is data
not disseminated (statistical secrecy of small counts). They describe recorded
crime, not the reports of this page, and the page says so.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "db" / "data"
DATA_FILE = DATA_DIR / "pma_delinquance_ssmsi_derivee.csv"
GROUPS = {
    "violences_personnes_pour_1000": "Violences aux personnes",
    "securite_biens_pour_1000": "Atteintes aux biens (vols, cambriolages)",
    "tranquillite_publique_pour_1000": "Destructions et dégradations",
}
DEFAULT_GROUP = "securite_biens_pour_1000"
UNIT = "faits enregistrés pour 1 000 habitants"
SMALL_COMMUNE = 1000  # below this, a handful of offences moves the rate a lot
SOURCE = (
    "Ministère de l'Intérieur – SSMSI, bases statistiques communales de la "
    "délinquance enregistrée (Licence Ouverte / Etalab), regroupement par le "
    "projet choisir-sa-ville ; valeurs arrondies à 0,1."
)
CAVEATS = (
    "Faits constatés et enregistrés par la police et la gendarmerie, pas des "
    "incidents signalés : ces taux ne se comparent pas aux signalements de cette "
    "page.",
    "Commune en gris : donnée non diffusée (secret statistique des petits effectifs).",
    "Communes de moins de 1 000 habitants (contour pointillé) : quelques faits "
    "suffisent à faire varier fortement le taux d'une année à l'autre ; à lire "
    "avec prudence.",
    "Population de référence fixe pour toutes les années ; indicateurs regroupés "
    "par un tiers ; infractions liées aux stupéfiants non incluses.",
)


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def years() -> list[int]:
    return sorted({int(row["annee"]) for row in _rows()})


def crime_rates(year: int, group: str) -> dict[str, dict]:
    """{insee: {"nom", "population", "rate" (None when not disseminated)}}."""
    if group not in GROUPS:
        raise ValueError(f"indicateur inconnu : {group}")
    return {
        row["code_insee"]: {
            "nom": row["nom"],
            "population": int(row["population_ref"]),
            "rate": _number(row[group]),
        }
        for row in _rows()
        if int(row["annee"]) == int(year)
    }


def class_limits(group: str) -> list[float]:
    """Quintile limits over every year, so that colours compare across years."""
    values = sorted(
        v for row in _rows() if (v := _number(row[group])) is not None and v > 0
    )
    if not values:
        return []
    limits = []
    for k in range(1, 5):
        value = values[min(math.floor(len(values) * k / 5), len(values) - 1)]
        rounded = round(value)
        if not limits or rounded > limits[-1]:
            limits.append(rounded)
    return limits


def context_geojson(communes: dict, year: int, group: str) -> dict:
    """The commune polygons with the rate `v` (None when not disseminated)."""
    rates = crime_rates(year, group)
    features = []
    for feature in communes["features"]:
        code = feature["properties"].get("code")
        item = rates.get(code, {})
        population = item.get("population")
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "code": code,
                    "nom": feature["properties"].get("nom", item.get("nom")),
                    "v": item.get("rate"),
                    "small": population is not None and population < SMALL_COMMUNE,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
