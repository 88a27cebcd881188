"""Storage of RPPS snapshots: one transaction inserts the new one and drops the old."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.models import HealthOutsideCommune, HealthPractice, HealthSnapshot
from db.types import utcnow

NEIGHBOUR_FIELDS = ("code_insee", "nom", "population", "lat", "lon")


class RppsFormatError(ValueError):
    """The file is not what the import expects: nothing is imported."""


def read_neighbours(path: Path) -> list[dict]:
    """Communes outside the territory whose practitioners count as nearby supply.

    CSV (UTF-8, `,` or `;`): code_insee,nom,population,lat,lon (label point, WGS84).
    Any unreadable line refuses the file, with its number.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RppsFormatError(
            "communes voisines : encodage invalide (UTF-8 attendu)"
        ) from None
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=dialect)
    try:
        rows = list(reader)
    except csv.Error:  # a field over 128 KB
        raise RppsFormatError(
            f"communes voisines, ligne {reader.line_num + 1} illisible"
        ) from None
    if not rows or any(f not in rows[0] for f in NEIGHBOUR_FIELDS):
        raise RppsFormatError(
            f"communes voisines : colonnes attendues {','.join(NEIGHBOUR_FIELDS)}"
        )
    out, seen = [], set()
    for number, row in enumerate(rows, start=2):
        item = _neighbour(row, number)
        if item["insee"] in seen:  # one row per commune in the snapshot
            raise RppsFormatError(
                f"communes voisines, ligne {number} : commune en double"
            )
        seen.add(item["insee"])
        out.append(item)
    return out


def _neighbour(row: dict, number: int) -> dict:
    try:  # a short line leaves None in its missing fields
        item = {
            "insee": row["code_insee"].strip(),
            "name": row["nom"].strip(),
            "population": int(row["population"]),
            "lat": float(row["lat"]),
            "lon": float(row["lon"]),
        }
    except (AttributeError, TypeError, ValueError):
        raise RppsFormatError(f"communes voisines, ligne {number} invalide") from None
    if (
        len(item["insee"]) != 5
        or not -90 <= item["lat"] <= 90
        or not -180 <= item["lon"] <= 180
        or not 0 <= item["population"] < 2**31
        or not 0 < len(item["name"]) <= 100
        or not (item["insee"] + item["name"]).isprintable()
    ):
        raise RppsFormatError(f"communes voisines, ligne {number} invalide")
    return item


def store_snapshot(
    session: Session, report, practices: dict, neighbours: list[dict], is_demo: bool
) -> HealthSnapshot:
    """Insert the new snapshot, then delete every other one (same transaction)."""
    snapshot = HealthSnapshot(
        source_name=report.source_name[:255],
        extracted_at=report.extracted_at,
        imported_at=utcnow(),
        is_demo=is_demo,
        rows_read=report.rows_read,
        rows_kept=report.rows_kept,
        report=json.dumps(report.to_dict(), ensure_ascii=False),
    )
    session.add(snapshot)
    session.flush()
    if practices:
        session.execute(
            insert(HealthPractice),
            [
                {
                    "snapshot_id": snapshot.id,
                    "practitioner_id": pp[:20],
                    "profession": profession,
                    "commune_insee": commune,
                    "primary_care": practice.primary_care,
                    "placed_by": practice.placed_by,
                    "sites": practice.sites,
                }
                for (pp, profession, commune), practice in practices.items()
            ],
        )
    used = {commune for _, _, commune in practices}
    kept = [n for n in neighbours if n["insee"] in used]
    if kept:
        session.execute(
            insert(HealthOutsideCommune),
            [{"snapshot_id": snapshot.id, **n} for n in kept],
        )
    for model, column in (
        (HealthPractice, HealthPractice.snapshot_id),
        (HealthOutsideCommune, HealthOutsideCommune.snapshot_id),
        (HealthSnapshot, HealthSnapshot.id),
    ):
        session.execute(delete(model).where(column != snapshot.id))
    session.flush()
    return snapshot


def latest_snapshot(session: Session) -> HealthSnapshot | None:
    """The snapshot in force (there is at most one once an import has committed)."""
    return session.scalar(select(HealthSnapshot).order_by(HealthSnapshot.id.desc()))


def snapshot_report(snapshot: HealthSnapshot) -> dict:
    return json.loads(snapshot.report or "{}")
