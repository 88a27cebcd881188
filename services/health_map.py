"""What the health map shows: indicator values per commune, class limits, rankings."""

from __future__ import annotations

from services.coverage import quantile_breaks, threshold_breaks
from services.health_indicators import GP, PROFESSIONS, Coverage

INDICATORS = {
    "accessibilite": {
        "label": "Accessibilité aux généralistes",
        "unit": "généralistes pour 10 000 hab. (équivalent)",
        "decimals": 1,
    },
    "densite": {
        "label": "Densité",
        "unit": "praticiens pour 10 000 hab.",
        "decimals": 1,
    },
    "effectif": {"label": "Effectif", "unit": "praticiens", "decimals": 0},
}
ACCESS_KEY = "accessibilite_generalistes"


def normalise_choice(indicator: str | None, profession: str | None) -> tuple[str, str]:
    """A valid (indicator, profession); accessibility is computed for GPs only."""
    indicator = indicator if indicator in INDICATORS else "accessibilite"
    profession = profession if profession in PROFESSIONS else GP
    return indicator, GP if indicator == "accessibilite" else profession


def value_key(indicator: str, profession: str) -> str:
    """The commune-row key (and GeoJSON property) holding the chosen figure."""
    if indicator == "accessibilite":
        return ACCESS_KEY
    return f"densite_{profession}" if indicator == "densite" else profession


def value_keys() -> list[str]:
    keys = [ACCESS_KEY]
    for profession in PROFESSIONS:
        keys += [profession, f"densite_{profession}"]
    return keys


def map_geojson(base: dict, coverage: Coverage) -> dict:
    """The commune polygons with every indicator value in their properties."""
    keys = value_keys()
    rows = {c["insee"]: c for c in coverage.communes}
    features = []
    for feature in base["features"]:
        props = feature["properties"]
        row = rows.get(props["code"], {})
        values = {key: row.get(key) for key in keys}
        features.append(
            {
                **feature,
                "properties": {"code": props["code"], "nom": props["nom"], **values},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def class_limits(coverage: Coverage, indicator: str, profession: str) -> list:
    """Fixed limits around the threshold for accessibility, else quantiles."""
    if indicator == "accessibilite":
        return threshold_breaks(coverage.threshold)
    key = value_key(indicator, profession)
    decimals = INDICATORS[indicator]["decimals"]
    return quantile_breaks((c[key] for c in coverage.communes), 5, decimals)


def ranked_rows(coverage: Coverage, indicator: str, profession: str) -> list[dict]:
    """Communes from the least to the best served on the chosen figure."""
    key = value_key(indicator, profession)
    rows = sorted(
        coverage.communes,
        key=lambda c: (c[key] is None, c[key] if c[key] is not None else 0, c["nom"]),
    )
    return [
        {**row, "rang": rank, "valeur": row[key]} for rank, row in enumerate(rows, 1)
    ]
