"""The open-data catalogue: one entry per dataset with its fields (DCAT-style)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services import opendata_datasets as ds
from services.health_indicators import PROFESSIONS
from services.opendata_datasets import COMMUNE_FIELDS, SANTE_INDICATORS, f

LICENCE = "Licence Ouverte 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PUBLISHER = "Pays de Montbéliard Agglomération"
SENSORS = "Capteurs de remplissage LoRaWAN de Pays de Montbéliard Agglomération"


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    description: str
    source: str
    frequency: str
    fields: list[dict]
    build: Callable
    geometric: bool = False

    @property
    def formats(self) -> tuple[str, ...]:
        return ("csv", "json", "geojson") if self.geometric else ("csv", "json")


SANTE_FIELDS = [
    *COMMUNE_FIELDS,
    f("population", "integer", "Population municipale", "habitants"),
]
for _key, _label in PROFESSIONS.items():
    SANTE_FIELDS.append(f(_key, "integer", f"{_label} (effectif)", "personnes"))
    SANTE_FIELDS.append(
        f(
            f"densite_{_key}",
            "number",
            f"{_label} pour 10 000 habitants",
            "pour 10 000 habitants",
        )
    )
SANTE_FIELDS += [
    *SANTE_INDICATORS,
    f("date_extraction_rpps", "date", "Date de l'extrait RPPS utilisé"),
]

DATASETS = [
    Dataset(
        "bacs",
        "Bacs et points d'apport volontaire équipés de capteurs",
        "Position, type et commune de chaque conteneur suivi. Aucune donnée "
        "technique des capteurs n'est publiée.",
        SENSORS,
        "en continu (mise à jour chaque minute)",
        [
            f("identifiant", "string", "Identifiant public du conteneur"),
            f("type", "string", "Code du type de conteneur"),
            f("libelle_type", "string", "Type de conteneur"),
            *COMMUNE_FIELDS,
            f("latitude", "number", "Latitude WGS 84", "degrés"),
            f("longitude", "number", "Longitude WGS 84", "degrés"),
            f("volume_l", "integer", "Volume du conteneur", "litres"),
        ],
        ds.build_bacs,
        geometric=True,
    ),
    Dataset(
        "remplissage-quotidien",
        "Remplissage quotidien des conteneurs par commune et type",
        f"Statistiques journalières des mesures de remplissage sur les "
        f"{ds.DAILY_DAYS} derniers jours (jour en temps universel).",
        SENSORS,
        "en continu (mise à jour chaque minute)",
        [
            f("jour", "date", "Jour des mesures (UTC, ISO 8601)"),
            *COMMUNE_FIELDS,
            f("type", "string", "Code du type de conteneur"),
            f("mesures", "integer", "Nombre de mesures", "mesures"),
            f("bacs_mesures", "integer", "Conteneurs ayant transmis", "bacs"),
            f("remplissage_moyen_pct", "number", "Remplissage moyen", "%"),
            f("remplissage_max_pct", "number", "Remplissage maximal", "%"),
        ],
        ds.build_remplissage,
    ),
    Dataset(
        "collectes-mensuelles",
        "Collectes mensuelles par commune",
        "Conteneurs collectés (et inaccessibles) chaque mois, par commune, et "
        "remplissage moyen au moment de la collecte.",
        "Comptes rendus des équipes de collecte",
        "en continu (mise à jour chaque minute)",
        [
            f("mois", "month", "Mois (AAAA-MM, heure de Paris)"),
            *COMMUNE_FIELDS,
            f("collectes", "integer", "Conteneurs collectés", "collectes"),
            f("bacs_inaccessibles", "integer", "Conteneurs inaccessibles", "bacs"),
            f(
                "remplissage_moyen_avant_collecte_pct",
                "number",
                "Remplissage moyen mesuré avant la collecte",
                "%",
            ),
        ],
        ds.build_collectes,
    ),
    Dataset(
        "incidents-hebdomadaires",
        "Incidents signalés par commune, catégorie et semaine",
        "Nombre d'incidents par commune, catégorie et semaine ISO. Les effectifs "
        "inférieurs à 5 sont remplacés par « <5 » (secret statistique). Aucun "
        "auteur, texte ni position exacte n'est publié."
        + (
            ""
            if ds.incident_table() is not None
            else " Le module vigilance n'enregistre pas encore d'incidents : "
            "le jeu est publié vide, avec ses colonnes."
        ),
        "Module vigilance de l'hyperviseur",
        "hebdomadaire (mise à jour chaque minute)",
        [
            f("semaine", "week", "Semaine ISO 8601 (AAAA-Www, heure de Paris)"),
            *COMMUNE_FIELDS,
            f("categorie", "string", "Catégorie d'incident"),
            {
                **f(
                    "incidents",
                    "integer",
                    "Nombre d'incidents, ou « <5 » pour 1 à 4 incidents",
                    "incidents",
                ),
                "suppression": ds.SUPPRESSED,
            },
        ],
        ds.build_incidents,
    ),
    Dataset(
        "sante-communes",
        "Offre de soins par commune",
        "Effectifs de professionnels de santé par profession et indicateurs "
        "d'accès aux médecins généralistes, une ligne par commune.",
        "Annuaire Santé (RPPS), extrait en accès libre, ANS",
        "à chaque import de l'extrait RPPS",
        SANTE_FIELDS,
        ds.build_sante,
    ),
    Dataset(
        "communes",
        "Communes de l'agglomération et leurs limites",
        "Les communes de Pays de Montbéliard Agglomération, leur population et "
        "leurs limites (GeoJSON).",
        "INSEE (COG, populations légales), IGN Admin Express",
        "annuelle",
        [
            *COMMUNE_FIELDS,
            f("population", "integer", "Population municipale", "habitants"),
            f(
                "latitude_etiquette",
                "number",
                "Latitude du point d'étiquette",
                "degrés",
            ),
            f(
                "longitude_etiquette",
                "number",
                "Longitude du point d'étiquette",
                "degrés",
            ),
        ],
        ds.build_communes,
        geometric=True,
    ),
]
BY_ID = {d.id: d for d in DATASETS}
