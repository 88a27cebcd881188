"""Bin inventory import (CSV from a territory's GIS), line by line with reasons."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Bin, Sensor
from db.types import utcnow
from services.fleet import BIN_KINDS
from services.geo import Territory, commune_areas

COLUMNS = [
    "code",
    "kind",
    "commune_insee",
    "lat",
    "lon",
    "capacity_l",
    "empty_distance_mm",
    "full_distance_mm",
    "dev_eui",
]
CODE = re.compile(r"^[^\s/]{1,64}$")
DEV_EUI = re.compile(r"^[0-9A-F]{16}$")
MAX_CAPACITY_L = 100_000  # a buried container holds 5 m³; beyond is a typing error


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    replaced_sensors: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


class LineError(ValueError):
    """A refused CSV line."""


def _shown(value) -> str:
    """A value quoted in a reason, cut short: a reason is one readable line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _number(row: dict, name: str, kind=float):
    try:
        return kind(row[name].strip().replace(",", ".") if kind is float else row[name])
    except (TypeError, ValueError):
        raise LineError(f"{name} invalide : {_shown(row.get(name))}") from None


def parse_line(row: dict, territory: Territory) -> dict:
    """Validate one CSV row into bin fields; raises LineError with a French reason."""
    code = (row.get("code") or "").strip()
    if not CODE.match(code) or not code.isprintable():
        raise LineError(
            "code invalide (1 à 64 caractères imprimables, sans espace ni /)"
        )
    kind = (row.get("kind") or "").strip()
    if kind not in BIN_KINDS:
        raise LineError(f"type de bac inconnu : {_shown(kind)}")
    insee = (row.get("commune_insee") or "").strip()
    if insee not in territory.areas:
        raise LineError(f"commune inconnue : {_shown(insee)}")
    lat, lon = _number(row, "lat"), _number(row, "lon")
    if not territory.contains(insee, lat, lon):
        raise LineError(f"position hors de la commune {insee}")
    capacity = _number(row, "capacity_l", int)
    empty = _number(row, "empty_distance_mm", int)
    full = _number(row, "full_distance_mm", int)
    if not 0 < capacity <= MAX_CAPACITY_L:
        raise LineError("capacity_l hors limites (1 à 100 000 L)")
    if not 0 <= full < empty <= 20_000:
        raise LineError("distances invalides (0 ≤ plein < vide ≤ 20 000 mm)")
    dev_eui = (row.get("dev_eui") or "").strip().upper()
    if dev_eui and not DEV_EUI.match(dev_eui):
        raise LineError(
            f"DevEUI invalide : {_shown(dev_eui)} (16 chiffres hexadécimaux)"
        )
    return {
        "code": code,
        "kind": kind,
        "commune_insee": insee,
        "lat": lat,
        "lon": lon,
        "capacity_l": capacity,
        "empty_distance_mm": empty,
        "full_distance_mm": full,
        "dev_eui": dev_eui or None,
    }


def read_rows(text: str) -> tuple[list[str], csv.DictReader]:
    """A DictReader over `,` or `;` separated text."""
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # newline="": the csv module sees every line break itself (a lone \r is one).
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [h.strip() for h in reader.fieldnames or []], reader


def import_bins(session: Session, text: str, progress=None) -> ImportReport:
    """Create or update bins by code; refused lines are reported, the rest imported."""
    report = ImportReport()
    try:
        header, reader = read_rows(text.lstrip("\ufeff"))
    except csv.Error:
        report.refused.append((1, "en-tête illisible (champ trop long ou guillemets)"))
        return report
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        report.refused.append(
            (1, f"en-tête incomplet, colonnes manquantes : {missing}")
        )
        return report
    territory = Territory(commune_areas(session))
    bins = {b.code: b for b in session.scalars(select(Bin))}
    active = {
        s.dev_eui: s
        for s in session.scalars(select(Sensor).where(Sensor.removed_at.is_(None)))
    }
    seen_eui: dict[str, str] = {}
    for number, raw in _records(reader, report):
        try:
            if None in raw or any(v is None for v in raw.values()):
                raise LineError("nombre de colonnes incorrect")
            row = parse_line({k.strip(): v for k, v in raw.items()}, territory)
            eui = row.pop("dev_eui")
            if eui and seen_eui.get(eui, row["code"]) != row["code"]:
                raise LineError(f"DevEUI en double dans le fichier : {eui}")
            owner = active.get(eui)
            if (
                eui
                and owner is not None
                and bins.get(row["code"]) is not None
                and owner.bin_id != bins[row["code"]].id
            ):
                raise LineError(f"DevEUI déjà installé sur un autre bac : {eui}")
            if eui and owner is not None and row["code"] not in bins:
                raise LineError(f"DevEUI déjà installé sur un autre bac : {eui}")
        except LineError as error:
            report.refused.append((number, str(error)))
            continue
        if eui:
            seen_eui[eui] = row["code"]
        _upsert(session, bins, active, row, eui, report)
        if progress:
            progress(number)
    return report


def _records(reader: csv.DictReader, report: ImportReport):
    """(line number, row) of each readable record; an unreadable one is refused."""
    number = 1
    while True:
        number += 1
        before = reader.line_num
        try:
            yield number, next(reader)
        except StopIteration:
            return
        except csv.Error:
            report.refused.append(
                (number, "ligne illisible (champ trop long ou guillemets mal fermés)")
            )
            if reader.line_num == before:  # nothing consumed: stop rather than spin
                return


def _upsert(session, bins, active, row, eui, report) -> None:
    current = bins.get(row["code"])
    if current is None:
        current = Bin(**row)
        session.add(current)
        session.flush()
        bins[row["code"]] = current
        report.created += 1
    else:
        for key, value in row.items():
            setattr(current, key, value)
        report.updated += 1
    installed = [s for s in active.values() if s.bin_id == current.id]
    if eui and not any(s.dev_eui == eui for s in installed):
        now = utcnow()
        for sensor in installed:  # a new DevEUI on a bin is a sensor replacement
            sensor.removed_at = now
            del active[sensor.dev_eui]
            report.replaced_sensors += 1
        session.flush()
        sensor = Sensor(dev_eui=eui, bin_id=current.id, installed_at=now)
        session.add(sensor)
        session.flush()
        active[eui] = sensor
