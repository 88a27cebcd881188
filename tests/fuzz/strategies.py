"""Hypothesis strategies for bad input: random bytes and near-valid documents.

Near-valid matters more than random: a valid message with one field of the wrong
type, NaN, a huge integer, a lone surrogate or a truncated frame reaches code that
random bytes never do (they fail at UTF-8 or JSON syntax).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

NOW = datetime(2026, 11, 22, 8, 20, tzinfo=UTC)
EUI = "24E124713B234567"

# Every character, lone surrogates included (JSON can carry them as \ud800).
ANY_CHAR = st.characters()
TEXT = st.text(ANY_CHAR, max_size=30)
NASTY_TEXT = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\u202e", "🗑️", "é" * 3000,
     "null", "NaN", "1e999", "-0", "０１２", "\n", "'; DROP TABLE bins; --"]
)  # fmt: skip
HUGE_INTS = st.sampled_from([2**63, -(2**63) - 1, 10**30, 10**4000, -1, 0])
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), HUGE_INTS, FLOATS, TEXT, NASTY_TEXT
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# A good time and every kind of bad one.
GOOD_TS = st.integers(0, 7 * 24 * 3600).map(lambda s: iso(NOW - timedelta(seconds=s)))
TIMESTAMPS = st.one_of(
    GOOD_TS,
    st.just(iso(NOW + timedelta(hours=1))),  # future
    st.sampled_from(
        [
            "2026-11-22T08:15:00",
            "1999-12-31T23:59:59Z",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "hier",
            "2026-13-01T00:00:00Z",
            "",
            "Z",
        ]
    ),  # fmt: skip
    SCALARS,
)


def dumps(value) -> bytes:
    """JSON as a sensor would send it; NaN and Infinity included, as Python does."""
    return json.dumps(value).encode()


@st.composite
def mutated(draw, base: dict, junk=JUNK) -> dict:
    """A valid document with some fields dropped, replaced by junk or added."""
    doc = dict(base)
    for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del doc[key]
        else:
            doc[key] = draw(junk)
    doc.update(draw(st.dictionaries(st.text(max_size=8), junk, max_size=2)))
    return doc


def as_payload(documents) -> st.SearchStrategy[bytes]:
    """Serialised documents, sometimes truncated, re-encoded or wrapped in junk."""
    serialised = documents.map(dumps)
    damaged = st.one_of(
        st.tuples(serialised, st.integers(0, 200)).map(lambda t: t[0][: t[1]]),
        serialised.map(lambda b: b.decode().encode("utf-16")),
        serialised.map(lambda b: b"\xef\xbb\xbf" + b),
        serialised.map(lambda b: b"[" + b + b"]"),
        st.binary(max_size=200),
        JUNK.map(dumps),
        st.sampled_from(
            [
                b"",
                b"{",
                b"[" * 5000 + b"]" * 5000,
                b'{"a":' * 3000,
                b'{"distance_mm": 1' + b"0" * 5000 + b"}",
                b'{"ts": "\\ud800"}',
            ]
        ),  # fmt: skip
    )
    # two intact for one damaged: intact ones reach the deep checks
    return st.one_of(serialised, serialised, damaged)


# -- Milesight EM310/EM400-UDL frames ------------------------------------------
RECORDS = st.one_of(
    st.integers(0, 255).map(lambda v: bytes([0x01, 0x75, v])),  # battery
    st.integers(0, 0xFFFF).map(lambda v: b"\x03\x82" + v.to_bytes(2, "little")),
    st.integers(-32768, 32767).map(
        lambda v: b"\x03\x67" + v.to_bytes(2, "little", signed=True)
    ),
    st.integers(0, 255).map(lambda v: bytes([0x04, 0x00, v])),  # position
    st.just(bytes.fromhex("ff0101")),  # device info: protocol version
    st.binary(min_size=1, max_size=4),  # anything
)
FRAMES = st.lists(RECORDS, max_size=6).map(b"".join)
FRM_PAYLOADS = st.one_of(
    FRAMES.map(lambda b: base64.b64encode(b).decode()),
    st.tuples(FRAMES, st.integers(0, 12)).map(
        lambda t: base64.b64encode(t[0][: t[1]]).decode()
    ),
    FRAMES.map(lambda b: base64.b64encode(b).decode()[:-1]),  # bad padding
    st.text(max_size=24),
    SCALARS,
)


NEAR = st.one_of(
    JUNK, TIMESTAMPS, st.integers(-100, 30_000), st.floats(-100, 200), NASTY_TEXT
)


def good_ts(now: datetime) -> st.SearchStrategy[str]:
    """Times in the week before `now` (the pipeline checks against the clock)."""
    return st.integers(0, 7 * 24 * 3600).map(lambda s: iso(now - timedelta(seconds=s)))


def native_document(now: datetime = NOW) -> st.SearchStrategy[dict]:
    base = {
        "ts": iso(now - timedelta(minutes=5)),
        "distance_mm": 2116,
        "fill_pct": 40.5,
        "battery_pct": 92,
        "temperature_c": 25.7,
        "tilt": False,
        "seq": 1234,
    }
    return mutated(base, st.one_of(NEAR, good_ts(now)))


DECODED = {"distance": 2116, "battery": 92, "temperature": 25.7, "position": "tilt"}
EUIS = st.one_of(st.just(EUI), st.just(EUI.lower()), TEXT, SCALARS)


def tts_with(eui: st.SearchStrategy, now: datetime) -> st.SearchStrategy[dict]:
    """TTS envelopes whose device is drawn from `eui` (e.g. the installed fleet)."""
    return tts_document(now).flatmap(lambda doc: eui.map(lambda e: _with_eui(doc, e)))


def _with_eui(doc: dict, eui: str) -> dict:
    ids = doc.get("end_device_ids")
    if isinstance(ids, dict) and ids.get("dev_eui") == EUI:
        return {**doc, "end_device_ids": {**ids, "dev_eui": eui}}
    return doc


@st.composite
def tts_document(draw, now: datetime = NOW) -> dict:
    """A TTS v3 envelope, mutated at each level (envelope, uplink, values)."""
    uplink = {"f_cnt": 7, "rx_metadata": [{"rssi": -80, "snr": 7.5}]}
    if draw(st.booleans()):
        uplink["decoded_payload"] = draw(st.one_of(mutated(DECODED, NEAR), JUNK))
    else:
        uplink["frm_payload"] = draw(FRM_PAYLOADS)
    envelope = {
        "end_device_ids": {"dev_eui": draw(EUIS)},
        "received_at": draw(st.one_of(good_ts(now), TIMESTAMPS)),
        "uplink_message": draw(mutated(uplink, NEAR)),
    }
    return draw(mutated(envelope))


def report_document(now: datetime = NOW) -> st.SearchStrategy[dict]:
    """An incident report with fuzzed fields; `now` anchors the good times."""
    good_ts = st.integers(0, 24 * 3600).map(lambda s: iso(now - timedelta(seconds=s)))
    base = {
        "report_id": "3f1c2b9e-5d7a-4c4e-9f1a-0b6c8d2e7a10",
        "ts": iso(now - timedelta(minutes=3)),
        "category": "cambriolage",
        "severity": "elevee",
        "description": "Porte fracturée rue de Belfort",
        "lat": 47.5098,
        "lon": 6.7985,
        "source": "voisins_vigilants",
        "reporter_ref": "vv-123",
    }
    near = {
        "report_id": st.one_of(st.uuids().map(str), TEXT, SCALARS),
        "ts": st.one_of(good_ts, TIMESTAMPS),
        "category": st.one_of(
            st.sampled_from(["cambriolage", "Incendie", "Dépôt sauvage", "ovni"]),
            SCALARS,
        ),
        "severity": st.one_of(st.sampled_from(["faible", "Élevée", "x"]), SCALARS),
        "description": st.one_of(TEXT, NASTY_TEXT, SCALARS),
        "lat": st.one_of(st.floats(47.3, 47.7), SCALARS),
        "lon": st.one_of(st.floats(6.6, 7.0), SCALARS),
        "source": st.one_of(st.sampled_from(["app", "Voisins", "a" * 65]), SCALARS),
        "reporter_ref": st.one_of(TEXT, NASTY_TEXT, SCALARS),
    }

    @st.composite
    def fuzzed(draw) -> dict:
        doc = dict(base, report_id=draw(st.uuids()).hex)
        for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=3)):
            if draw(st.integers(0, 4)) == 0:
                doc.pop(key, None)
            else:
                doc[key] = draw(near[key])
        return doc

    return st.one_of(fuzzed(), mutated(base))
