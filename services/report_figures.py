"""The monthly report's content as plain data: figures, trends and bar charts."""

from __future__ import annotations

from components.kpi import number_fr
from services.synthese import trend


def _figure(label, value, unit="", before=None, *, decimals=0, lower_better=False):
    change = trend(value, before) if before is not None else None
    tone = ""
    if change:
        tone = "good" if (change < 0) == lower_better else "bad"
    return {
        "label": label,
        "value": "—" if value is None else number_fr(value, decimals),
        "unit": unit,
        "trend": None if change is None else f"{change:+.1f} %".replace(".", ","),
        "tone": tone,
    }


def _chart(title, pairs):
    top = max((v for _, v in pairs), default=0) or 1
    return {
        "title": title,
        "bars": [
            {
                "label": k,
                "value": number_fr(v, 1 if isinstance(v, float) else 0),
                "width": round(v / top * 100, 1),
            }
            for k, v in pairs
        ],
    }


def report_context(data: dict) -> dict:
    local, sav, sav0 = data["local"], data["savings"], data["savings_before"]
    w, w0 = local["waste"], local["waste_before"]
    waste = {
        "title": "Collecte des déchets",
        "figures": [
            _figure(
                "Bacs suivis par capteur",
                w["bins_monitored"],
                "bacs",
                w0["bins_monitored"],
            ),
            _figure(
                "Remplissage moyen à la collecte",
                w["mean_fill_at_collection"],
                "%",
                w0["mean_fill_at_collection"],
                decimals=1,
            ),
            _figure(
                "Débordements constatés",
                w["overflows"],
                "bac·jours",
                w0["overflows"],
                lower_better=True,
            ),
            _figure(
                "Collectes évitées",
                w["pickups_avoided"],
                "collectes",
                w0["pickups_avoided"],
            ),
            _figure(
                "Kilomètres évités (agglomération)",
                sav["avoided_km"],
                "km",
                sav0["avoided_km"],
            ),
            _figure(
                "CO₂ évité (agglomération)",
                sav["co2_avoided_kg"],
                "kg",
                sav0["co2_avoided_kg"],
            ),
            _figure(
                "Capteurs hors service (à la date du rapport)",
                local["sensors_out"],
                "capteurs",
            ),
        ],
        "chart": _chart(
            "Remplissage des bacs au moment de la collecte",
            [(b["label"], b["pickups"]) for b in w["fill_at_collection"]],
        ),
    }
    sections = [waste]
    v, v0 = local["vigilance"], local["vigilance_before"]
    if v is not None:
        sections.append(
            {
                "title": "Territoire vigilant",
                "figures": [
                    _figure(
                        "Incidents signalés",
                        v["incidents"],
                        "",
                        v0["incidents"],
                        lower_better=True,
                    ),
                    _figure(
                        "Délai médian de prise en compte",
                        v["median_ack_min"],
                        "min",
                        v0["median_ack_min"],
                        lower_better=True,
                    ),
                    _figure(
                        "Délai médian de résolution",
                        v["median_resolve_h"],
                        "h",
                        v0["median_resolve_h"],
                        decimals=1,
                        lower_better=True,
                    ),
                    _figure(
                        "Part des incidents en retard",
                        v["overdue_share"],
                        "%",
                        decimals=1,
                    ),
                ],
                "chart": _chart("Incidents par catégorie", v["by_category"]),
            }
        )
    health = data["health"]
    if health is not None:
        commune = health.get("commune")
        figures = [
            _figure(
                "Médecins généralistes pour 10 000 habitants (agglomération)",
                health["gp_density"],
                "",
                decimals=1,
            ),
            _figure(
                "Communes sous-dotées",
                health["underserved"],
                f"sur {health['communes']}",
            ),
            _figure(
                "Communes sans médecin généraliste",
                health["without_gp"],
                f"sur {health['communes']}",
            ),
        ]
        if commune is not None:
            figures.insert(
                0,
                _figure(
                    "Médecins généralistes pour 10 000 habitants (commune)",
                    commune["gp_density"],
                    "",
                    decimals=1,
                ),
            )
        sections.append(
            {
                "title": "Offre de soins",
                "figures": figures,
                "chart": _chart(
                    "Communes les moins bien desservies (accès aux généralistes)",
                    [(n, round(d, 1)) for n, d in health["least_served"][:10]],
                ),
                "note": f"Annuaire Santé (RPPS), extrait du "
                f"{health['extracted_at']:%d/%m/%Y}.",
            }
        )
    where = (
        f"Commune de {data['commune']['name']}"
        if data["commune"]
        else "Pays de Montbéliard Agglomération"
    )
    return {
        "title": f"Synthèse mensuelle : {data['period'].name}",
        "where": where,
        "period": data["period"].label,
        "previous": data["previous"].label,
        "sections": sections,
    }
