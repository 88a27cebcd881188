"""Unit tests for services.decoders (native JSON, TTS v3 envelopes, Milesight)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.decoders import (
    MAX_PAYLOAD_BYTES,
    PayloadError,
    Uplink,
    decode_milesight,
    decode_native,
    decode_tts,
    parse_json_object,
    parse_timestamp,
)

NOW = datetime(2026, 11, 22, 8, 20, tzinfo=UTC)
EUI = "24E124713B234567"

# Official vectors, copied from TheThingsNetwork/lorawan-devices (MIT),
# vendor/milesight-iot/em310-udl-codec.yaml and em400-udl-codec.yaml.
EM310_B64 = "AXVcA4JECAQAAQ=="
EM310_DECODED = {"battery": 92, "distance": 2116, "position": "tilt"}
EM400_B64 = "AXVcA2cBAQSCRAgFAAE="
EM400_DECODED = {
    "battery": 92,
    "temperature": 25.7,
    "distance": 2116,
    "position": "tilt",
}


def native(**fields) -> bytes:
    body = {"ts": "2026-11-22T08:15:00Z", "distance_mm": 2116}
    body.update(fields)
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


def tts(frm=None, decoded=None, dev_eui="24e124713b234567", **extra) -> bytes:
    up: dict = {"f_port": 85, "f_cnt": 42}
    if frm is not None:
        up["frm_payload"] = frm
    if decoded is not None:
        up["decoded_payload"] = decoded
    up["rx_metadata"] = [
        {"gateway_ids": {"gateway_id": "gw-1"}, "rssi": -97, "snr": 7.5}
    ]
    body = {
        "end_device_ids": {"device_id": "bin-1", "dev_eui": dev_eui},
        "received_at": "2026-11-22T08:15:00.123456789Z",
        "uplink_message": up,
    }
    body.update(extra)
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


# --- Milesight official vectors ------------------------------------------------


def test_em310_udl_official_vector_decodes_battery_distance_tilt():
    assert decode_milesight(base64.b64decode(EM310_B64)) == EM310_DECODED


def test_em400_udl_official_vector_decodes_temperature_too():
    assert decode_milesight(base64.b64decode(EM400_B64)) == EM400_DECODED


def test_milesight_skips_device_info_records():
    info = bytes.fromhex("ff0bff ff0101 ff166136c19146040012 ff090140 ff0a0114 ff0f00")
    assert decode_milesight(info + base64.b64decode(EM310_B64)) == EM310_DECODED


def test_milesight_negative_temperature_and_normal_position():
    frame = bytes.fromhex("0367ceff 04820a00 050000")
    assert decode_milesight(frame) == {
        "temperature": -5.0,
        "distance": 10,
        "position": "normal",
    }


# --- The Things Stack v3 ------------------------------------------------------


def test_tts_with_decoded_payload_uses_it():
    up = decode_tts(tts(frm=EM310_B64, decoded={**EM400_DECODED, "battery": 80}), NOW)
    assert up.distance_mm == 2116
    assert up.battery_pct == 80
    assert up.temperature_c == 25.7
    assert up.tilt is True
    assert up.source == "tts"
    assert up.fill_pct is None


def test_tts_without_decoded_payload_decodes_frm_payload():
    up = decode_tts(tts(frm=EM400_B64), NOW)
    assert (up.distance_mm, up.battery_pct, up.temperature_c, up.tilt) == (
        2116,
        92,
        25.7,
        True,
    )


def test_tts_empty_decoded_payload_falls_back_to_frm_payload():
    assert decode_tts(tts(frm=EM310_B64, decoded={}), NOW).distance_mm == 2116


def test_tts_keeps_rssi_snr_and_f_cnt():
    up = decode_tts(tts(frm=EM310_B64), NOW)
    assert (up.rssi, up.snr, up.seq) == (-97.0, 7.5, 42)


def test_tts_lower_case_dev_eui_is_normalised_and_time_is_utc():
    up = decode_tts(tts(frm=EM310_B64), NOW)
    assert up.dev_eui == EUI
    assert up.measured_at == datetime(2026, 11, 22, 8, 15, 0, 123456, tzinfo=UTC)


def test_tts_non_numeric_rssi_is_dropped_not_refused():
    body = json.loads(tts(frm=EM310_B64))
    body["uplink_message"]["rx_metadata"] = [{"rssi": "strong"}]
    up = decode_tts(json.dumps(body).encode(), NOW)
    assert up.rssi is None and up.snr is None


# --- Native JSON --------------------------------------------------------------


def test_native_with_distance_and_all_optional_fields():
    payload = native(battery_pct=92, temperature_c=25.7, tilt=False, seq=1234)
    up = decode_native("24e124713b234567", payload, NOW)
    assert up == Uplink(
        dev_eui=EUI,
        measured_at=datetime(2026, 11, 22, 8, 15, tzinfo=UTC),
        distance_mm=2116,
        fill_pct=None,
        battery_pct=92.0,
        temperature_c=25.7,
        tilt=False,
        rssi=None,
        snr=None,
        seq=1234,
        source="native",
    )


def test_native_with_fill_pct_only():
    up = decode_native(EUI, native(distance_mm=..., fill_pct=63.5), NOW)
    assert up.fill_pct == 63.5 and up.distance_mm is None


def test_native_9999_measurement_error_is_kept():
    assert decode_native(EUI, native(distance_mm=9999), NOW).distance_mm == 9999


def test_native_integral_float_distance_is_accepted_as_int():
    up = decode_native(EUI, native(distance_mm=2116.0), NOW)
    assert up.distance_mm == 2116 and isinstance(up.distance_mm, int)


def test_native_offset_timestamp_is_converted_to_utc_and_extra_keys_ignored():
    up = decode_native(EUI, native(ts="2026-11-22T09:15:00+01:00", extra=1), NOW)
    assert up.measured_at == datetime(2026, 11, 22, 8, 15, tzinfo=UTC)
    assert up.measured_at.tzinfo is UTC


def test_timestamp_just_inside_future_tolerance_is_accepted():
    assert parse_timestamp("2026-11-22T08:29:59Z", NOW) > NOW


def test_size_limit_is_checked_before_decoding():
    with pytest.raises(PayloadError, match="70 000 octets > 65 536"):
        parse_json_object(b"\xff" * 70_000)


# --- Refusals -----------------------------------------------------------------

BIG = b'{"ts": "' + b"x" * MAX_PAYLOAD_BYTES + b'"}'

NATIVE_BAD = [
    ("not_json", b"hello", "JSON"),
    ("json_array", b"[1, 2]", "objet"),
    ("json_string", b'"ts"', "objet"),
    ("empty_bytes", b"", "vide"),
    ("invalid_utf8", b'{"ts": "\xff\xfe"}', "UTF-8"),
    ("over_64kb", BIG, "trop grande"),
    ("deep_nesting", b"[" * 60_000, "JSON"),
    ("missing_ts", native(ts=...), "ts manquant"),
    ("ts_not_string", native(ts=1763799300), "ts"),
    ("ts_unparsable", native(ts="hier midi"), "illisible"),
    ("naive_ts", native(ts="2026-11-22T08:15:00"), "fuseau"),
    ("ts_11_min_future", native(ts="2026-11-22T08:31:00Z"), "futur"),
    ("ts_1970", native(ts="1970-01-01T00:00:00Z"), "2000"),
    ("ts_year_1_overflow", native(ts="0001-01-01T00:00:00+01:00"), "horodatage"),
    ("no_distance_nor_fill", native(distance_mm=...), "distance_mm"),
    ("distance_negative", native(distance_mm=-1), "hors limites"),
    ("distance_25000", native(distance_mm=25000), "hors limites"),
    ("distance_float", native(distance_mm=12.5), "entier"),
    ("distance_bool", native(distance_mm=True), "entier"),
    ("distance_string", native(distance_mm="2116"), "entier"),
    (
        "distance_huge_float",
        b'{"ts": "2026-11-22T08:15:00Z", "distance_mm": 1e400}',
        "",
    ),
    ("fill_150", native(distance_mm=..., fill_pct=150), "fill_pct"),
    ("fill_nan", b'{"ts": "2026-11-22T08:15:00Z", "fill_pct": NaN}', "NaN"),
    ("fill_infinity", b'{"ts": "2026-11-22T08:15:00Z", "fill_pct": -Infinity}', ""),
    ("battery_120", native(battery_pct=120), "battery_pct"),
    ("battery_bool", native(battery_pct=False), "battery_pct"),
    ("temperature_200", native(temperature_c=200), "temperature_c"),
    ("tilt_yes", native(tilt="yes"), "tilt"),
    ("seq_negative", native(seq=-1), "seq"),
    ("seq_huge_int", native(seq=10**30), "seq"),
]


@pytest.mark.parametrize(
    ("payload", "keyword"),
    [pytest.param(p, k, id=i) for i, p, k in NATIVE_BAD],
)
def test_native_bad_payload_is_refused_with_reason(payload, keyword):
    with pytest.raises(PayloadError) as info:
        decode_native(EUI, payload, NOW)
    assert info.value.reason and str(info.value) == info.value.reason
    assert keyword in info.value.reason


@pytest.mark.parametrize(
    "dev_eui", ["24E124713B23456", "24E124713B23456G", "", "x" * 16]
)
def test_native_bad_dev_eui_in_topic_is_refused(dev_eui):
    with pytest.raises(PayloadError, match="DevEUI invalide"):
        decode_native(dev_eui, native(), NOW)


def _tts_without(*path: str) -> bytes:
    body = json.loads(tts(frm=EM310_B64))
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return json.dumps(body).encode()


TTS_BAD = [
    ("no_end_device_ids", _tts_without("end_device_ids"), "end_device_ids"),
    ("no_dev_eui", _tts_without("end_device_ids", "dev_eui"), "DevEUI"),
    ("bad_dev_eui", tts(frm=EM310_B64, dev_eui="24e1-2471-3b23"), "DevEUI"),
    ("no_received_at", _tts_without("received_at"), "received_at"),
    ("naive_received_at", tts(frm=EM310_B64, received_at="2026-11-22 08:15"), "fuseau"),
    ("no_uplink_message", _tts_without("uplink_message"), "uplink_message"),
    ("neither_decoded_nor_frm", tts(), "ni decoded_payload ni frm_payload"),
    ("bad_base64", tts(frm="AXVc*A4J"), "base64"),
    ("frm_not_string", tts(frm=[1, 2]), "base64"),
    (
        "truncated_frame",
        tts(frm=base64.b64encode(b"\x01\x75\x5c\x03\x82\x44").decode()),
        "tronquée",
    ),
    (
        "unknown_channel_type",
        tts(frm=base64.b64encode(b"\x01\x99\x00").decode()),
        "inconnu",
    ),
    (
        "no_distance_in_frame",
        tts(frm=base64.b64encode(b"\x01\x75\x5c").decode()),
        "aucune distance",
    ),
    (
        "position_upside_down",
        tts(decoded={"distance": 2116, "position": "upside-down"}),
        "position",
    ),
    (
        "position_byte_7",
        tts(frm=base64.b64encode(b"\x03\x82\x44\x08\x04\x00\x07").decode()),
        "position",
    ),
    (
        "battery_255",
        tts(frm=base64.b64encode(b"\x01\x75\xff\x03\x82\x44\x08").decode()),
        "battery",
    ),
    (
        "distance_65535",
        tts(frm=base64.b64encode(b"\x03\x82\xff\xff").decode()),
        "distance",
    ),
    ("decoded_not_object", tts(decoded=[1, 2]), "decoded_payload"),
]


@pytest.mark.parametrize(
    ("payload", "keyword"),
    [pytest.param(p, k, id=i) for i, p, k in TTS_BAD],
)
def test_tts_bad_payload_is_refused_with_reason(payload, keyword):
    with pytest.raises(PayloadError) as info:
        decode_tts(payload, NOW)
    assert info.value.reason
    assert keyword in info.value.reason


def test_tts_negative_f_cnt_is_refused():
    body = json.loads(tts(frm=EM310_B64))
    body["uplink_message"]["f_cnt"] = -1
    with pytest.raises(PayloadError, match="f_cnt"):
        decode_tts(json.dumps(body).encode(), NOW)


def test_milesight_unknown_device_info_type_is_refused():
    with pytest.raises(PayloadError, match="0xFF 0x42"):
        decode_milesight(b"\xff\x42\x00")


def test_milesight_lone_channel_byte_is_truncated():
    with pytest.raises(PayloadError, match="tronquée"):
        decode_milesight(base64.b64decode(EM310_B64) + b"\x01")


# --- Robustness (hypothesis) --------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

_KEYS = st.sampled_from(
    [
        "ts",
        "distance_mm",
        "fill_pct",
        "battery_pct",
        "temperature_c",
        "tilt",
        "seq",
        "end_device_ids",
        "dev_eui",
        "received_at",
        "uplink_message",
        "decoded_payload",
        "frm_payload",
        "rx_metadata",
        "rssi",
        "snr",
        "f_cnt",
        "distance",
        "battery",
        "temperature",
        "position",
    ]
)
shaped_json = st.recursive(
    json_values,
    lambda children: st.dictionaries(_KEYS, children, max_size=6),
    max_leaves=30,
)


VALID_NATIVE = json.loads(native(battery_pct=92, temperature_c=25.7, tilt=True, seq=1))
VALID_TTS = json.loads(tts(frm=EM400_B64, decoded=EM400_DECODED))


@st.composite
def mutated(draw, base: dict) -> dict:
    """A valid message with one field, at any depth, replaced by arbitrary JSON."""
    body = json.loads(json.dumps(base))
    node = body
    while True:
        key = draw(st.sampled_from(sorted(node)))
        child = node[key]
        if isinstance(child, list) and child and isinstance(child[0], dict):
            child = child[0]
        if isinstance(child, dict) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(json_values)
        return body


def _only_uplink_or_payload_error(call) -> None:
    try:
        result = call()
    except PayloadError as exc:
        assert exc.reason
    else:
        assert isinstance(result, Uplink)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise_anything_but_payload_error(data):
    _only_uplink_or_payload_error(lambda: decode_native(EUI, data, NOW))
    _only_uplink_or_payload_error(lambda: decode_tts(data, NOW))


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, shaped_json, mutated(VALID_NATIVE), mutated(VALID_TTS)))
def test_arbitrary_json_never_raises_anything_but_payload_error(value):
    data = json.dumps(value).encode()
    _only_uplink_or_payload_error(lambda: decode_native(EUI, data, NOW))
    _only_uplink_or_payload_error(lambda: decode_tts(data, NOW))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_milesight_frames_decode_or_raise_payload_error(data):
    try:
        assert isinstance(decode_milesight(data), dict)
    except PayloadError as exc:
        assert exc.reason


@given(st.text(max_size=40))
def test_arbitrary_dev_eui_in_topic_never_crashes(dev_eui):
    _only_uplink_or_payload_error(lambda: decode_native(dev_eui, native(), NOW))
