"""Import of the Annuaire Santé open extract (RPPS): streamed, territory only, atomic.

The national file (`PS_LibreAcces_Personne_activite_*.txt`, ~2 million rows) is read
line by line as bytes: a row of a profession we do not follow is dropped before any
decoding, and only the territory's practices are kept in memory.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Commune
from services.rpps_places import Placer
from services.rpps_store import RppsFormatError, read_neighbours, store_snapshot

HEADER = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|"
    "Code civilité d'exercice|Libellé civilité d'exercice|Code civilité|"
    "Libellé civilité|Nom d'exercice|Prénom d'exercice|Code profession|"
    "Libellé profession|Code catégorie professionnelle|"
    "Libellé catégorie professionnelle|Code type savoir-faire|"
    "Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|"
    "Code mode exercice|Libellé mode exercice|Numéro SIRET site|Numéro SIREN site|"
    "Numéro FINESS site|Numéro FINESS établissement juridique|"
    "Identifiant technique de la structure|Raison sociale site|"
    "Enseigne commerciale site|Complément destinataire (coord. structure)|"
    "Complément point géographique (coord. structure)|"
    "Numéro Voie (coord. structure)|Indice répétition voie (coord. structure)|"
    "Code type de voie (coord. structure)|Libellé type de voie (coord. structure)|"
    "Libellé Voie (coord. structure)|Mention distribution (coord. structure)|"
    "Bureau cedex (coord. structure)|Code postal (coord. structure)|"
    "Code commune (coord. structure)|Libellé commune (coord. structure)|"
    "Code pays (coord. structure)|Libellé pays (coord. structure)|"
    "Téléphone (coord. structure)|Téléphone 2 (coord. structure)|"
    "Télécopie (coord. structure)|Adresse e-mail (coord. structure)|"
    "Code Département (structure)|Libellé Département (structure)|"
    "Ancien identifiant de la structure|Autorité d'enregistrement|"
    "Code secteur d'activité|Libellé secteur d'activité|"
    "Code section tableau pharmaciens|Libellé section tableau pharmaciens"
)
COLUMNS = tuple(HEADER.split("|"))
WIDTH = len(COLUMNS)  # 52
COL = {name: index for index, name in enumerate(COLUMNS)}
PP, PP_NAT = COL["Identifiant PP"], COL["Identification nationale PP"]
PROFESSION, SKILL = COL["Code profession"], COL["Code savoir-faire"]
MODE, SECTOR = COL["Code mode exercice"], COL["Code secteur d'activité"]
CEDEX, POSTCODE = (
    COL["Bureau cedex (coord. structure)"],
    COL["Code postal (coord. structure)"],
)
INSEE, CITY = (
    COL["Code commune (coord. structure)"],
    COL["Libellé commune (coord. structure)"],
)

GENERAL_PRACTICE = {"SM26", "SM53", "SM54"}  # qualified in general medicine
PROFESSIONS = {
    b"10": "medecins",  # split into general practitioners and other doctors
    b"60": "infirmiers",
    b"40": "chirurgiens_dentistes",
    b"70": "masseurs_kinesitherapeutes",
    b"50": "sages_femmes",
    b"21": "pharmaciens",
}
PRIMARY_CARE_SECTORS = {"SA05", "SA07", "SA08", "SA09"}  # centre de santé, cabinets

BAD_LINE = "ligne mal formée"
BAD_ENCODING = "encodage invalide (UTF-8 attendu)"
OTHER_PROFESSION = "profession non suivie"
NO_ID = "identifiant PP manquant"
BAD_ID = "identifiant PP invalide (20 caractères imprimables au plus)"
DUPLICATE = "ligne en double"
SAME_COMMUNE = "autre site dans la même commune (compté une fois)"
ALSO_GP = "médecin déjà compté comme généraliste dans la commune"
MAX_EXAMPLES = 20
PROGRESS_EVERY = 8192
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class ImportReport:
    """What an import read, kept and dropped (by reason); printed and stored."""

    source_name: str
    extracted_at: datetime | None = None
    rows_read: int = 0
    rows_kept: int = 0
    placed_by_postcode: int = 0
    kept_outside: int = 0
    dropped: Counter = field(default_factory=Counter)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)

    def drop(self, reason: str, line: int | None = None, detail: str = "") -> None:
        self.dropped[reason] += 1
        if line is not None and len(self.bad_lines) < MAX_EXAMPLES:
            self.bad_lines.append((line, f"{reason}{' : ' + detail if detail else ''}"))

    def to_dict(self) -> dict:
        return {
            "source": self.source_name,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "placed_by_postcode": self.placed_by_postcode,
            "kept_outside": self.kept_outside,
            "dropped": dict(self.dropped.most_common()),
            "bad_lines": [list(item) for item in self.bad_lines],
        }

    def lines(self) -> list[str]:
        """The report in French, one line each."""
        first = f"{self.rows_read} lignes lues, {self.rows_kept} exercices retenus"
        if self.kept_outside:
            first += f" dont {self.kept_outside} dans des communes voisines"
        out = [first + f" ; {self.placed_by_postcode} placés par code postal."]
        out += [f"  écartées – {r} : {n}" for r, n in self.dropped.most_common()]
        out += [f"  ligne {n} : {why}" for n, why in self.bad_lines]
        return out


def extract_date_from_name(name: str) -> datetime | None:
    """The extract's date from its file name (…_202611220830.txt), in UTC."""
    match = re.search(r"_(\d{12})(?:\D|$)", name) or re.search(
        r"_(\d{8})(?:\D|$)", name
    )
    if not match:
        return None
    digits = match.group(1)
    pattern = "%Y%m%d%H%M" if len(digits) == 12 else "%Y%m%d"
    try:
        local = datetime.strptime(digits, pattern).replace(tzinfo=PARIS)
    except ValueError:
        return None
    return local.astimezone(UTC)


def check_header(raw: bytes) -> None:
    """Refuse the whole file unless its first line is the 52 expected columns."""
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace").rstrip("\r\n")
    names = [n.strip().replace("’", "'") for n in text.split("|")]
    if names and names[-1] == "":
        names.pop()
    if [n.casefold() for n in names] != [n.casefold() for n in COLUMNS]:
        wrong = next(
            (
                f"colonne {i + 1} : « {a} » au lieu de « {b} »"
                for i, (a, b) in enumerate(zip(names, COLUMNS, strict=False))
                if a != b
            ),
            f"{len(names)} colonnes au lieu de {WIDTH}",
        )
        raise RppsFormatError(f"en-tête inattendu ({wrong}) : fichier refusé")


def split_row(raw: bytes) -> list[bytes] | None:
    """The 52 fields of a row (trailing '|' optional), or None when malformed."""
    fields = raw.rstrip(b"\r\n").split(b"|")
    if len(fields) == WIDTH + 1 and fields[-1] == b"":
        return fields
    return fields if len(fields) == WIDTH else None


@dataclass
class Practice:
    primary_care: bool
    placed_by: str
    sites: int = 1


def read_extract(
    lines: Iterable[bytes],
    placer: Placer,
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> dict[tuple[str, str, str], Practice]:
    """Stream the rows; keep one practice per (person, profession, commune)."""
    iterator = iter(lines)
    header = next(iterator, None)
    if header is None:
        raise RppsFormatError("fichier vide : fichier refusé")
    check_header(header)
    position = len(header)
    practices: dict[tuple[str, str, str], Practice] = {}
    seen_lines: set[int] = set()
    for number, raw in enumerate(iterator, start=2):
        position += len(raw)
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(position)
        if not raw.strip():
            continue
        report.rows_read += 1
        fields = split_row(raw)
        if fields is None:
            count = raw.rstrip(b"\r\n").count(b"|")
            report.drop(BAD_LINE, number, f"{count} séparateurs au lieu de {WIDTH}")
            continue
        profession = PROFESSIONS.get(fields[PROFESSION].strip())
        if profession is None:
            report.dropped[OTHER_PROFESSION] += 1
            continue
        try:
            pp = (fields[PP].strip() or fields[PP_NAT].strip()).decode("utf-8")
            insee, postcode, city, cedex, skill, mode, sector = (
                fields[i].decode("utf-8").strip()
                for i in (INSEE, POSTCODE, CITY, CEDEX, SKILL, MODE, SECTOR)
            )
        except UnicodeDecodeError:
            report.drop(BAD_ENCODING, number)
            continue
        commune, how = placer.place(insee, postcode, (city, cedex))
        if commune is None:
            report.dropped[how] += 1
            continue
        if not pp:
            report.drop(NO_ID, number)
            continue
        if len(pp) > 20 or not pp.isprintable():
            # stored in a 20-character column; a NUL would fail the whole import
            report.drop(BAD_ID, number)
            continue
        digest = hash(raw.rstrip(b"\r\n"))
        if digest in seen_lines:
            report.dropped[DUPLICATE] += 1
            continue
        seen_lines.add(digest)
        if profession == "medecins":
            general = skill in GENERAL_PRACTICE
            profession = "medecins_generalistes" if general else "autres_medecins"
        primary = mode == "L" or sector in PRIMARY_CARE_SECTORS
        key = (pp, profession, commune)
        if key in practices:
            practices[key].primary_care |= primary
            report.dropped[SAME_COMMUNE] += 1
            continue
        practices[key] = Practice(primary, how)
    if progress is not None:
        progress(position)
    return finish(practices, placer, report)


def finish(practices: dict, placer: Placer, report: ImportReport) -> dict:
    """A doctor counted as GP in a commune is not also an 'other doctor' there;
    count each person's communes (its supply is shared between them)."""
    for pp, profession, commune in list(practices):
        if profession == "autres_medecins" and (
            (pp, "medecins_generalistes", commune) in practices
        ):
            del practices[(pp, profession, commune)]
            report.dropped[ALSO_GP] += 1
    sites = Counter((pp, profession) for pp, profession, _ in practices)
    for (pp, profession, commune), practice in practices.items():
        practice.sites = sites[(pp, profession)]
        report.placed_by_postcode += practice.placed_by == "code_postal"
        report.kept_outside += placer.kind(commune) != "territoire"
    report.rows_kept = len(practices)
    return practices


def territory_codes(session) -> set[str]:
    return set(session.scalars(select(Commune.insee)))


def import_rpps(
    database,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    extracted_at: datetime | None = None,
    neighbours_path: Path | None = None,
    is_demo: bool = False,
) -> ImportReport:
    """Import an extract file; the previous snapshot is replaced in one transaction."""
    neighbours = read_neighbours(neighbours_path) if neighbours_path else []
    with path.open("rb") as handle:
        return import_stream(
            database,
            handle,
            path.name,
            extracted_at
            or extract_date_from_name(path.name)
            or datetime.fromtimestamp(path.stat().st_mtime, UTC),
            progress=progress,
            neighbours=neighbours,
            is_demo=is_demo,
        )


def import_stream(
    database,
    lines: Iterable[bytes],
    source_name: str,
    extracted_at: datetime,
    *,
    progress=None,
    neighbours: list[dict] | None = None,
    is_demo: bool = False,
) -> ImportReport:
    """Read then store; a refused file or a failed write leaves the old snapshot."""
    neighbours = neighbours or []
    with database.session() as session:
        territory = territory_codes(session)
    placer = Placer.load(territory, {n["insee"] for n in neighbours})
    report = ImportReport(source_name, extracted_at)
    practices = read_extract(lines, placer, report, progress)
    with database.session() as session:
        store_snapshot(session, report, practices, neighbours, is_demo)
    return report
