"""Blocks of the health page built from a Coverage: map state, grid, notes, source."""

from __future__ import annotations

from dash import html

from components.choropleth import hideout, legend
from components.feed import local_time
from components.kpi import number_fr
from services.coverage import class_index
from services.health_indicators import GP, PROFESSIONS
from services.health_map import (
    INDICATORS,
    class_limits,
    normalise_choice,
    ranked_rows,
    value_key,
)


def indicator_title(indicator: str, profession: str) -> str:
    if indicator == "accessibilite":
        return "Accessibilité aux médecins généralistes (2SFCA)"
    label = PROFESSIONS[profession]
    return f"{INDICATORS[indicator]['label']} : {label.lower()}"


def map_state(data, indicator, profession, selected=None):
    """(hideout, map title, legend) for the chosen indicator and profession."""
    indicator, profession = normalise_choice(indicator, profession)
    spec = INDICATORS[indicator]
    limits = class_limits(data, indicator, profession)
    state = hideout(
        value_key(indicator, profession),
        limits,
        indicator == "accessibilite",
        spec["unit"],
        spec["decimals"],
        selected=selected,
    )
    title = indicator_title(indicator, profession)
    note = (
        f"Sous le seuil de {number_fr(data.threshold, 1)} : commune sous-dotée."
        if indicator == "accessibilite"
        else "Classes : quantiles des communes dotées."
    )
    return state, title, [legend(title, spec["unit"], state), html.Small(note)]


FRENCH_NUMBER = (
    "params.value == null ? '' : params.value.toLocaleString('fr-FR', "
    "{maximumFractionDigits: 1})"
)


def grid_columns(indicator: str, profession: str) -> list[dict]:
    indicator, profession = normalise_choice(indicator, profession)
    unit = INDICATORS[indicator]["unit"]
    number = {
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
        "valueFormatter": {"function": FRENCH_NUMBER},
    }
    columns = [
        {
            "field": "rang",
            "headerName": "Rang",
            "maxWidth": 90,
            "pinned": "left",
            **number,
        },
        {"field": "nom", "headerName": "Commune", "minWidth": 170, "pinned": "left"},
        {
            "field": "valeur",
            "headerName": f"{indicator_title(indicator, profession)} ({unit})",
            "minWidth": 230,
            **number,
        },
        {
            "field": "classe",
            "headerName": "Classe sur la carte",
            "maxWidth": 120,
            **number,
        },
        {"field": "population", "headerName": "Population (hab.)", **number},
        {"field": GP, "headerName": "Généralistes", **number},
        {
            "field": "accessibilite",
            "headerName": "Accessibilité (généralistes pour 10 000 hab. éq.)",
            "minWidth": 200,
            **number,
        },
        {"field": "sous_dotee", "headerName": "Sous-dotée"},
        {
            "field": "generaliste_proche",
            "headerName": "Généraliste le plus proche",
            "minWidth": 170,
        },
        {
            "field": "distance_km",
            "headerName": "Distance (km, à vol d'oiseau)",
            **number,
        },
    ]
    columns += [
        {"field": key, "headerName": f"{label} (effectif)", **number}
        for key, label in PROFESSIONS.items()
        if key != GP
    ]
    return columns


def grid_rows(data, indicator: str, profession: str) -> list[dict]:
    """One row per commune, least served first, figures rounded for reading."""
    indicator, profession = normalise_choice(indicator, profession)
    limits = class_limits(data, indicator, profession)
    decimals = INDICATORS[indicator]["decimals"]
    rows = []
    for row in ranked_rows(data, indicator, profession):
        value = row["valeur"]
        rows.append(
            {
                "rang": row["rang"],
                "nom": row["nom"],
                "insee": row["insee"],
                "valeur": None if value is None else round(value, decimals),
                "classe": None if value is None else class_index(value, limits) + 1,
                "population": row["population"],
                GP: row[GP],
                "accessibilite": row["accessibilite_generalistes"]
                and round(row["accessibilite_generalistes"], 1),
                "sous_dotee": "oui" if row["sous_dotee"] else "non",
                "generaliste_proche": row["generaliste_proche"] or "aucun connu",
                "distance_km": row["distance_generaliste_km"],
                **{key: row[key] for key in PROFESSIONS if key != GP},
            }
        )
    return rows


def source_line(data, full: bool = False) -> str:
    """Date and source of the data shown."""
    day = local_time(data.extracted_at, "%d/%m/%Y")
    text = f"Annuaire Santé (RPPS), extraction du {day}"
    if data.is_demo:
        text += " – données fictives générées pour la démonstration"
    if not full:
        return text + f" · {data.totals['communes']} communes, populations INSEE 2023."
    return (
        f"Source : {text} (ANS, données publiques en libre accès), importée le "
        f"{local_time(data.imported_at, '%d/%m/%Y à %H:%M')} ; populations "
        "légales INSEE 2023 ; codes postaux La Poste (Licence Ouverte) ; limites "
        "communales IGN."
    )


def method_note(data) -> list:
    bands = ", ".join(
        f"{number_fr(weight, 2)} jusqu'à {number_fr(limit, 1)} km"
        for limit, weight in data.decay.bands
    )
    return [
        html.Strong("Méthode. "),
        "Accessibilité : aire flottante à deux étapes (2SFCA) dans l'esprit de "
        "l'APL de la DREES, exprimée en médecins généralistes pour 10 000 habitants "
        f"(équivalent). Décroissance par paliers : {bands}, rien au-delà. ",
        "Différences avec l'APL : distances à vol d'oiseau entre les centres des "
        "communes (pas de temps de trajet), effectifs de praticiens de ville "
        "(libéraux ou en centre de santé) et non leur activité, population sans "
        "pondération par l'âge. Un praticien exerçant dans plusieurs communes "
        "compte une fois dans chacune (effectifs) et est partagé entre elles "
        "(accessibilité). ",
        f"Seuil de sous-dotation : {number_fr(data.threshold, 1)} "
        "(HEALTH_UNDERSERVED_THRESHOLD).",
    ]
