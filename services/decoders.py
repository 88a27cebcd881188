"""Decode sensor uplinks (native JSON and The Things Stack v3) into `Uplink` records.

Pure functions, stdlib only. Every refused message raises `PayloadError` whose
reason is a short French sentence stored in the dead-letter table and shown to
operators. Nothing else may escape a decoder, whatever the bytes received.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_PAYLOAD_BYTES = 64 * 1024
FUTURE_TOLERANCE = timedelta(minutes=10)
DISTANCE_ERROR_MM = 9999
MAX_DISTANCE_MM = 20_000
MAX_SEQ = 2**63 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

_DEV_EUI_RE = re.compile(r"[0-9A-Fa-f]{16}")
# Milesight device-info / downlink-response records (channel 0xFF or 0xFE): type
# byte -> value size, per em310-udl.js in TheThingsNetwork/lorawan-devices.
_INFO_SIZES = {0x01: 1, 0x09: 2, 0x0A: 2, 0xFF: 2, 0x16: 8, 0x0F: 1, 0xFE: 1, 0x0B: 1}
_RESPONSE_SIZES = {0x10: 1, 0x02: 2, 0x03: 2, 0x06: 9}
_POSITIONS = {0: "normal", 1: "tilt"}


class PayloadError(ValueError):
    """A refused message; `str(exc)` / `exc.reason` is a short French reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Uplink:
    """One decoded sensor reading, whatever its transport."""

    dev_eui: str
    measured_at: datetime
    distance_mm: int | None
    fill_pct: float | None
    battery_pct: float | None
    temperature_c: float | None
    tilt: bool | None
    rssi: float | None
    snr: float | None
    seq: int | None
    source: str


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"valeur {name} refusée")


def parse_json_object(payload: bytes) -> dict:
    """Check size, UTF-8 and JSON syntax; the document must be an object."""
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise PayloadError("charge utile non binaire")
    size = len(payload)
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadError(
            f"charge utile trop grande ({_thousands(size)} octets"
            f" > {_thousands(MAX_PAYLOAD_BYTES)})"
        )
    if size == 0:
        raise PayloadError("charge utile vide")
    try:
        text = bytes(payload).decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("encodage UTF-8 invalide") from None
    try:
        obj = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise PayloadError("JSON trop imbriqué") from None
    except PayloadError:
        raise
    except ValueError:  # JSONDecodeError, or an integer with too many digits
        raise PayloadError("JSON invalide") from None
    if not isinstance(obj, dict):
        raise PayloadError(f"JSON invalide : objet attendu, reçu {type(obj).__name__}")
    return obj


def parse_timestamp(value: Any, now: datetime, field: str = "ts") -> datetime:
    """Parse an ISO 8601 time with zone into aware UTC; `now` must be aware."""
    if not isinstance(value, str):
        raise PayloadError(f"{field} n'est pas une chaîne de caractères")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{field} illisible (ISO 8601 attendu)") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PayloadError("horodatage sans fuseau horaire")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise PayloadError("horodatage hors limites") from None
    if parsed > now + FUTURE_TOLERANCE:
        raise PayloadError("horodatage dans le futur (plus de 10 min)")
    if parsed < EARLIEST:
        raise PayloadError("horodatage antérieur au 1er janvier 2000")
    return parsed


def _dev_eui(value: Any) -> str:
    if not isinstance(value, str) or not _DEV_EUI_RE.fullmatch(value):
        raise PayloadError("DevEUI invalide (16 chiffres hexadécimaux attendus)")
    return value.upper()


def _is_number(value: Any) -> bool:
    """True for a finite JSON number; booleans are not numbers here."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _number(obj: dict, key: str, lo: float, hi: float) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if not _is_number(value):
        raise PayloadError(f"{key} n'est pas un nombre")
    if not lo <= value <= hi:
        raise PayloadError(f"{key} hors limites ({lo:g} à {hi:g})")
    return float(value)


def _integer(obj: dict, key: str, hi: int, limits: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
        raise PayloadError(f"{key} n'est pas un entier")
    if not 0 <= value <= hi:
        raise PayloadError(f"{key} hors limites ({limits})")
    return int(value)


def _distance(obj: dict, key: str) -> int | None:
    limits = f"0 à {_thousands(MAX_DISTANCE_MM)} mm, ou {DISTANCE_ERROR_MM}"
    return _integer(obj, key, MAX_DISTANCE_MM, limits)


def decode_native(dev_eui: str, payload: bytes, now: datetime) -> Uplink:
    """Decode a native JSON uplink; `dev_eui` comes from the MQTT topic."""
    eui = _dev_eui(dev_eui)
    obj = parse_json_object(payload)
    if "ts" not in obj:
        raise PayloadError("champ ts manquant")
    measured_at = parse_timestamp(obj["ts"], now)
    distance = _distance(obj, "distance_mm")
    fill = _number(obj, "fill_pct", 0, 100)
    if distance is None and fill is None:
        raise PayloadError("ni distance_mm ni fill_pct")
    tilt = obj.get("tilt")
    if tilt is not None and not isinstance(tilt, bool):
        raise PayloadError("tilt doit être un booléen")
    return Uplink(
        dev_eui=eui,
        measured_at=measured_at,
        distance_mm=distance,
        fill_pct=fill,
        battery_pct=_number(obj, "battery_pct", 0, 100),
        temperature_c=_number(obj, "temperature_c", -40, 85),
        tilt=tilt,
        rssi=None,
        snr=None,
        seq=_integer(obj, "seq", MAX_SEQ, "entier positif ou nul"),
        source="native",
    )


def decode_milesight(frm_payload: bytes) -> dict:
    """Decode Milesight EM310/EM400-UDL channel records, recognised by type byte."""
    out: dict[str, Any] = {}
    data, i, n = bytes(frm_payload), 0, len(frm_payload)
    while i < n:
        if i + 2 > n:
            raise PayloadError("trame tronquée")
        channel, kind = data[i], data[i + 1]
        i += 2
        if channel in (0xFF, 0xFE):
            size = _RESPONSE_SIZES.get(kind)
            if size is None and channel == 0xFF:
                size = _INFO_SIZES.get(kind)
        else:
            size = {0x75: 1, 0x82: 2, 0x67: 2, 0x00: 1}.get(kind)
        if size is None:
            raise PayloadError(f"type de canal inconnu 0x{channel:02X} 0x{kind:02X}")
        if i + size > n:
            raise PayloadError("trame tronquée")
        raw = data[i : i + size]
        i += size
        if channel in (0xFF, 0xFE):
            continue  # device information or downlink acknowledgement
        if kind == 0x75:
            out["battery"] = raw[0]
        elif kind == 0x82:
            out["distance"] = int.from_bytes(raw, "little")
        elif kind == 0x67:
            out["temperature"] = int.from_bytes(raw, "little", signed=True) / 10
        elif raw[0] in _POSITIONS:
            out["position"] = _POSITIONS[raw[0]]
        else:
            raise PayloadError(f"position inconnue ({raw[0]})")
    return out


def _tts_values(up: dict) -> dict:
    decoded = up.get("decoded_payload")
    if decoded:
        if not isinstance(decoded, dict):
            raise PayloadError("decoded_payload n'est pas un objet")
        return decoded
    frm = up.get("frm_payload")
    if not frm:
        raise PayloadError("ni decoded_payload ni frm_payload")
    if not isinstance(frm, str):
        raise PayloadError("frm_payload base64 invalide")
    try:
        raw = base64.b64decode(frm, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError("frm_payload base64 invalide") from None
    return decode_milesight(raw)


def _radio(up: dict, key: str) -> float | None:
    rx = up.get("rx_metadata")
    if not isinstance(rx, list) or not rx or not isinstance(rx[0], dict):
        return None
    value = rx[0].get(key)
    return float(value) if _is_number(value) and abs(value) < 1e6 else None


def decode_tts(payload: bytes, now: datetime) -> Uplink:
    """Decode a The Things Stack v3 uplink envelope."""
    obj = parse_json_object(payload)
    ids = obj.get("end_device_ids")
    if not isinstance(ids, dict):
        raise PayloadError("end_device_ids manquant")
    eui = _dev_eui(ids.get("dev_eui"))
    if "received_at" not in obj:
        raise PayloadError("champ received_at manquant")
    measured_at = parse_timestamp(obj["received_at"], now, "received_at")
    up = obj.get("uplink_message")
    if not isinstance(up, dict):
        raise PayloadError("uplink_message manquant")
    values = _tts_values(up)
    distance = _distance(values, "distance")
    if distance is None:
        raise PayloadError("aucune distance dans la charge utile")
    position = values.get("position")
    if position is not None and position not in ("normal", "tilt"):
        raise PayloadError("position inconnue (normal ou tilt attendu)")
    return Uplink(
        dev_eui=eui,
        measured_at=measured_at,
        distance_mm=distance,
        fill_pct=None,
        battery_pct=_number(values, "battery", 0, 100),
        temperature_c=_number(values, "temperature", -40, 85),
        tilt=None if position is None else position == "tilt",
        rssi=_radio(up, "rssi"),
        snr=_radio(up, "snr"),
        seq=_integer(up, "f_cnt", MAX_SEQ, "entier positif ou nul"),
        source="tts",
    )
