"""A fictitious RPPS extract in the exact published format, for the demo and benches.

Deterministic (fixed seed): about 800 practitioners over the territory, in
proportion to population (specialists and midwives concentrated in the towns),
plus what a real extract has: sites placed only by postcode, practitioners with
several sites, rows of other professions and of communes outside the territory.
Every name is « FICTIF »: no real person is described.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass

from services.rpps import COLUMNS, HEADER
from services.rpps_places import POSTCODES_CSV

SEED = 2026
# Practitioners per 10,000 inhabitants and how strongly they gather in large
# communes (weight = population ** concentration).
PROFILE = {
    "medecins_generalistes": (8.0, 1.1),
    "autres_medecins": (8.5, 1.9),
    "infirmiers": (15.0, 1.0),
    "chirurgiens_dentistes": (5.5, 1.3),
    "masseurs_kinesitherapeutes": (9.5, 1.2),
    "sages_femmes": (1.8, 1.6),
    "pharmaciens": (7.0, 1.35),
}
CODES = {
    "medecins_generalistes": ("10", "Médecin"),
    "autres_medecins": ("10", "Médecin"),
    "infirmiers": ("60", "Infirmier"),
    "chirurgiens_dentistes": ("40", "Chirurgien-Dentiste"),
    "masseurs_kinesitherapeutes": ("70", "Masseur-Kinésithérapeute"),
    "sages_femmes": ("50", "Sage-Femme"),
    "pharmaciens": ("21", "Pharmacien"),
}
GP_SKILLS = (
    ("SM54", "Médecine Générale"),
    ("SM53", "Spécialiste en Médecine Générale"),
    ("SM26", "Qualifié en Médecine Générale"),
)
OTHER_PROFESSION = ("91", "Orthophoniste")  # not followed: dropped by the import
OUTSIDE = (  # communes near the territory (Haute-Saône, Territoire de Belfort)
    ("70285", "Héricourt", "70400", "HERICOURT"),
    ("90010", "Belfort", "90000", "BELFORT"),
    ("90032", "Danjoutin", "90400", "DANJOUTIN"),
)


@dataclass(frozen=True)
class Site:
    insee: str
    name: str
    postcode: str
    label: str


def territory_sites(communes: list[tuple[str, str, int]]) -> list[tuple[Site, int]]:
    """Each commune with its postcode and label, and its population."""
    with POSTCODES_CSV.open(encoding="utf-8", newline="") as handle:
        post = {r["code_insee"]: r for r in csv.DictReader(handle)}
    return [
        (
            Site(
                insee,
                name,
                post[insee]["code_postal"],
                post[insee]["libelle_acheminement"],
            ),
            population,
        )
        for insee, name, population in communes
        if insee in post
    ]


def row(number: int, profession: str, site: Site, rng: random.Random, **opts) -> str:
    """One line of the extract (52 fields and the trailing '|')."""
    code, label = CODES.get(profession, OTHER_PROFESSION)
    pp = f"1099{number:07d}"
    mode, sector = opts.get("mode", ("L", "SA07"))
    values = {
        "Type d'identifiant PP": "8",
        "Identifiant PP": pp,
        "Identification nationale PP": f"8{pp}",
        "Nom d'exercice": "FICTIF",
        "Prénom d'exercice": f"Praticien {number}",
        "Code profession": code,
        "Libellé profession": label,
        "Code catégorie professionnelle": "C",
        "Libellé catégorie professionnelle": "Civil",
        "Code mode exercice": mode,
        "Libellé mode exercice": "Libéral" if mode == "L" else "Salarié",
        "Raison sociale site": "CABINET FICTIF",
        "Numéro Voie (coord. structure)": str(rng.randint(1, 80)),
        "Code type de voie (coord. structure)": "R",
        "Libellé type de voie (coord. structure)": "Rue",
        "Libellé Voie (coord. structure)": "DE LA DEMONSTRATION",
        "Bureau cedex (coord. structure)": f"{site.postcode} {site.label}",
        "Code postal (coord. structure)": site.postcode,
        "Code Département (structure)": site.insee[:2],
        "Code secteur d'activité": sector,
        "Libellé secteur d'activité": SECTORS.get(sector, ""),
    }
    if profession in ("medecins_generalistes", "autres_medecins"):
        skill = (
            rng.choice(GP_SKILLS)
            if profession == "medecins_generalistes"
            else ("SM02", "Anesthésie-réanimation")
        )
        values["Code type savoir-faire"] = "S"
        values["Libellé type savoir-faire"] = "Spécialité ordinale"
        values["Code savoir-faire"], values["Libellé savoir-faire"] = skill
    if not opts.get("no_insee"):
        values["Code commune (coord. structure)"] = site.insee
        values["Libellé commune (coord. structure)"] = site.label
    return "|".join(values.get(name, "") for name in COLUMNS) + "|\n"


SECTORS = {
    "SA07": "Cabinet individuel",
    "SA08": "Cabinet de groupe",
    "SA05": "Centre de santé",
    "SA01": "Etablissement public de santé",
}


def generate_lines(
    communes: list[tuple[str, str, int]], seed: int = SEED
) -> Iterator[str]:
    """The header and the rows of a deterministic fictitious extract."""
    rng = random.Random(seed)
    sites = territory_sites(communes)
    population = sum(p for _, p in sites)
    yield HEADER + "|\n"
    number = 0
    for profession, (density, concentration) in PROFILE.items():
        total = round(population * density / 10_000)
        weights = [p**concentration for _, p in sites]
        for site, _ in rng.choices(sites, weights=weights, k=total):
            number += 1
            draw = rng.random()
            mode = ("L", rng.choice(("SA07", "SA08")))
            if draw < 0.08:
                mode = ("S", "SA05")
            elif draw < 0.13 and profession != "pharmaciens":
                mode = ("S", "SA01")
            no_insee = rng.random() < 0.08  # placed by postcode and label only
            yield row(number, profession, site, rng, mode=mode, no_insee=no_insee)
            if rng.random() < 0.06:  # a second site in another commune
                other = rng.choice(sites)[0]
                yield row(number, profession, other, rng, mode=mode)
    for i in range(40):  # communes outside the territory, other professions
        number += 1
        yield row(number, rng.choice(list(CODES)), Site(*OUTSIDE[i % 3]), rng)
        number += 1
        yield row(number, "orthophonistes", sites[i % len(sites)][0], rng)


def ensure_demo_extract(database) -> int:
    """Load the fictitious extract once (no-op when a snapshot exists): rows kept."""
    from sqlalchemy import select

    from db.models import Commune
    from db.types import utcnow
    from services.rpps import import_stream
    from services.rpps_store import latest_snapshot

    with database.session() as session:
        if latest_snapshot(session) is not None:
            return 0
        communes = list(
            session.execute(select(Commune.insee, Commune.name, Commune.population))
        )
    lines = (line.encode("utf-8") for line in generate_lines(communes))
    report = import_stream(
        database, lines, DEMO_SOURCE, utcnow().replace(microsecond=0), is_demo=True
    )
    return report.rows_kept


DEMO_SOURCE = "PS_LibreAcces_Personne_activite_DEMONSTRATION.txt"
