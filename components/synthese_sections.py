"""The three themes of /synthese (waste, vigilance, health) and its heading."""

from __future__ import annotations

from dash import html

from components.synthese_view import (
    BLUE,
    GREEN,
    ORANGE,
    bar,
    figure_card,
    fmt,
    graph,
    row,
    section,
    source_note,
    trend_badge,
)


def _versus(data, key, territory, unit="", decimals=0):
    """'Agglomération : …' under a commune's figure."""
    if data.get("commune") is None:
        return None
    value = territory.get(key)
    return f"Agglomération : {fmt(value, decimals) or '—'} {unit}".strip()


def heading(data) -> list:
    period, previous = data["period"], data["previous"]
    where = (
        f"Commune de {data['commune']['name']}, comparée à l'agglomération"
        if data["commune"]
        else "Pays de Montbéliard Agglomération (73 communes)"
    )
    return [
        html.H1(f"Synthèse : {period.name}", className="h3 mb-1", id="synthese-title"),
        html.P(
            [
                html.Strong(where),
                html.Br(),
                f"Période {period.label}, comparée à la même durée de la période "
                f"précédente ({previous.label}).",
            ],
            className="text-muted",
        ),
    ]


def waste_section(data) -> html.Section:
    local, territory = data["local"], data["territory"]
    now, before = local["waste"], local["waste_before"]
    agglo = territory["waste"]
    sav, sav_before = data["savings"], data["savings_before"]
    scope = " (agglomération)" if data["commune"] else ""
    cards = [
        figure_card(
            "Bacs suivis par capteur",
            fmt(now["bins_monitored"]),
            "bacs",
            badge=trend_badge(now["bins_monitored"], before["bins_monitored"]),
            hint=_versus(data, "bins_monitored", agglo, "bacs"),
            card_id="synthese-bins",
        ),
        figure_card(
            "Remplissage moyen à la collecte",
            fmt(now["mean_fill_at_collection"], 1),
            "%",
            badge=trend_badge(
                now["mean_fill_at_collection"], before["mean_fill_at_collection"]
            ),
            hint=_versus(data, "mean_fill_at_collection", agglo, "%", 1)
            or "plus il est haut, moins on collecte des bacs à moitié vides",
            card_id="synthese-fill-at-collection",
        ),
        figure_card(
            "Débordements constatés",
            fmt(now["overflows"]),
            "bac·jours",
            badge=trend_badge(
                now["overflows"], before["overflows"], lower_is_better=True
            ),
            hint=_versus(data, "overflows", agglo, "bac·jours"),
            card_id="synthese-overflows",
        ),
        figure_card(
            "Capteurs hors service",
            fmt(local["sensors_out"]),
            "capteurs",
            hint="sans mesure depuis plus de 6 h (situation actuelle)",
            card_id="synthese-sensors-out",
        ),
        figure_card(
            "Collectes évitées",
            fmt(now["pickups_avoided"]),
            "collectes",
            badge=trend_badge(now["pickups_avoided"], before["pickups_avoided"]),
            hint=f"{fmt(now['pickups'])} collectes réalisées contre "
            f"{fmt(now['baseline_pickups'])} au calendrier fixe"
            if now["pickups"]
            else "aucune collecte enregistrée par les équipes sur la période",
            card_id="synthese-pickups-avoided",
        ),
        figure_card(
            "Kilomètres évités" + scope,
            fmt(sav["avoided_km"]),
            "km",
            badge=trend_badge(sav["avoided_km"], sav_before["avoided_km"]),
            hint=f"{fmt(sav['km'])} km parcourus par les tournées optimisées"
            if sav["avoided_km"] is not None
            else "aucune tournée optimisée enregistrée sur la période",
            card_id="synthese-km-avoided",
        ),
        figure_card(
            "CO₂ évité" + scope,
            fmt(sav["co2_avoided_kg"]),
            "kg",
            badge=trend_badge(sav["co2_avoided_kg"], sav_before["co2_avoided_kg"]),
            hint=f"{fmt(sav['kg_co2e_per_km'], 2)} kg CO₂e par km de camion",
            card_id="synthese-co2-avoided",
        ),
    ]
    bands = now["fill_at_collection"]
    charts = [
        graph(
            "synthese-fill-chart",
            bar(
                [b["label"] for b in bands],
                [b["pickups"] for b in bands],
                "Remplissage des bacs au moment de la collecte",
                "collectes",
                BLUE,
            ),
        ),
        graph(
            "synthese-pickups-chart",
            bar(
                ["Période précédente", "Période en cours"],
                [before["pickups"], now["pickups"]],
                "Collectes réalisées",
                "collectes",
                GREEN,
            ),
        ),
    ]
    return section(
        "Collecte des déchets",
        "bi-trash3",
        [
            row(cards),
            row(charts, md=6),
            source_note(
                f"Source : capteurs de remplissage LoRaWAN et comptes rendus des "
                f"équipes de collecte, période {data['period'].label} (heure de "
                "Paris). Capteurs hors service : situation au moment de l'affichage."
            ),
        ],
        "synthese-waste",
    )


def vigilance_section(data) -> html.Section | None:
    now = data["local"]["vigilance"]
    if now is None:
        return None
    before = data["local"]["vigilance_before"]
    agglo = data["territory"]["vigilance"]
    cards = [
        figure_card(
            "Incidents signalés",
            fmt(now["incidents"]),
            "incidents",
            badge=trend_badge(
                now["incidents"], before["incidents"], lower_is_better=True
            ),
            hint=_versus(data, "incidents", agglo, "incidents"),
            card_id="synthese-incidents",
        ),
        figure_card(
            "Délai médian de prise en compte",
            fmt(now["median_ack_min"]),
            "min",
            badge=trend_badge(
                now["median_ack_min"], before["median_ack_min"], lower_is_better=True
            ),
            hint=_versus(data, "median_ack_min", agglo, "min"),
        ),
        figure_card(
            "Délai médian de résolution",
            fmt(now["median_resolve_h"], 1),
            "h",
            badge=trend_badge(
                now["median_resolve_h"],
                before["median_resolve_h"],
                lower_is_better=True,
            ),
        ),
        figure_card(
            "Part des incidents en retard",
            fmt(now["overdue_share"], 1),
            "%",
            hint=_versus(data, "overdue_share", agglo, "%", 1)
            or "délai de prise en compte ou de résolution dépassé",
            card_id="synthese-overdue",
        ),
    ]
    categories = now["by_category"] or [("aucun incident", 0)]
    charts = [
        graph(
            "synthese-incidents-chart",
            bar(
                [c for c, _ in categories],
                [n for _, n in categories],
                "Incidents par catégorie",
                "incidents",
                ORANGE,
            ),
        )
    ]
    if data["commune"] is None and now["by_commune"]:
        top = now["by_commune"][::-1]
        charts.append(
            graph(
                "synthese-incidents-communes-chart",
                bar(
                    [c for c, _ in top],
                    [n for _, n in top],
                    "Communes aux incidents les plus nombreux",
                    "incidents",
                    ORANGE,
                    horizontal=True,
                ),
            )
        )
    return section(
        "Territoire vigilant",
        "bi-shield-check",
        [
            row(cards),
            row(charts, md=12 // len(charts)),
            source_note(
                f"Source : module vigilance (signalements des habitants et des "
                f"opérateurs), période {data['period'].label}. Chiffres agrégés "
                "uniquement, doublons exclus."
            ),
        ],
        "synthese-vigilance",
    )
