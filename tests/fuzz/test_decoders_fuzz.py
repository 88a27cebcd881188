"""Every decoder, fed random bytes and near-valid documents: a decoded reading
within the contract's ranges, or PayloadError with a French reason. Nothing else."""

from __future__ import annotations

import base64
import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.decoders import (
    FUTURE_TOLERANCE,
    MAX_DISTANCE_MM,
    MAX_PAYLOAD_BYTES,
    PayloadError,
    Uplink,
    decode_milesight,
    decode_native,
    decode_tts,
    parse_json_object,
)
from tests.fuzz import strategies as fz
from tests.fuzz.checks import assert_reason

FUZZ = settings(max_examples=200, deadline=None)


def assert_sane(uplink: Uplink) -> None:
    """What the readings table and the fill formula rely on."""
    assert uplink.dev_eui == fz.EUI
    assert uplink.measured_at.tzinfo is not None
    assert uplink.measured_at <= fz.NOW + FUTURE_TOLERANCE
    assert uplink.distance_mm is None or 0 <= uplink.distance_mm <= MAX_DISTANCE_MM
    assert uplink.distance_mm is not None or uplink.fill_pct is not None
    for value, low, high in (
        (uplink.fill_pct, 0, 100),
        (uplink.battery_pct, 0, 100),
        (uplink.temperature_c, -40, 85),
    ):
        assert value is None or (math.isfinite(value) and low <= value <= high)
    assert uplink.tilt in (None, True, False)
    assert uplink.seq is None or 0 <= uplink.seq < 2**63
    for radio in (uplink.rssi, uplink.snr):
        assert radio is None or math.isfinite(radio)


@FUZZ
@given(payload=st.one_of(st.binary(max_size=400), fz.as_payload(fz.JUNK)))
def test_json_envelope_gives_an_object_or_a_reason(payload):
    try:
        assert isinstance(parse_json_object(payload), dict)
    except PayloadError as error:
        assert_reason(error.reason)


@FUZZ
@given(
    dev_eui=st.one_of(st.just(fz.EUI), st.just(fz.EUI.lower()), fz.TEXT),
    payload=fz.as_payload(fz.native_document()),
)
@example(dev_eui=fz.EUI, payload=b'{"ts": "2026-11-22T08:00:00Z", "distance_mm": NaN}')
@example(dev_eui=fz.EUI, payload=b'{"ts": "2026-11-22T08:00:00Z", "fill_pct": 1e999}')
@example(dev_eui="\ud800" * 16, payload=b"{}")
def test_native_decoder_never_raises_anything_but_a_reason(dev_eui, payload):
    try:
        uplink = decode_native(dev_eui, payload, fz.NOW)
    except PayloadError as error:
        assert_reason(error.reason)
    else:
        assert_sane(uplink)


@FUZZ
@given(payload=fz.as_payload(fz.tts_document()))
def test_tts_decoder_never_raises_anything_but_a_reason(payload):
    try:
        uplink = decode_tts(payload, fz.NOW)
    except PayloadError as error:
        assert_reason(error.reason)
    else:
        assert_sane(uplink)
        assert uplink.source == "tts" and uplink.fill_pct is None


@FUZZ
@given(frame=st.one_of(fz.FRAMES, st.binary(max_size=64)))
def test_milesight_frames_decode_or_are_refused_with_a_reason(frame):
    try:
        values = decode_milesight(frame)
    except PayloadError as error:
        assert_reason(error.reason)
    else:
        assert set(values) <= {"battery", "distance", "temperature", "position"}


@FUZZ
@given(
    battery=st.integers(0, 100),
    distance=st.integers(0, MAX_DISTANCE_MM),
    tenths=st.integers(-400, 850),
    tilt=st.booleans(),
    cut=st.integers(1, 10),
)
def test_a_valid_frame_round_trips_and_any_truncation_is_refused(
    battery, distance, tenths, tilt, cut
):
    """The fuzzing is not vacuous: good frames decode exactly, cut ones never do."""
    frame = (
        bytes([0x01, 0x75, battery])
        + b"\x03\x67"
        + tenths.to_bytes(2, "little", signed=True)
        + b"\x04\x82"
        + distance.to_bytes(2, "little")
        + bytes([0x05, 0x00, int(tilt)])
    )
    body = {
        "end_device_ids": {"dev_eui": fz.EUI},
        "received_at": fz.iso(fz.NOW),
        "uplink_message": {"frm_payload": base64.b64encode(frame).decode()},
    }
    uplink = decode_tts(fz.dumps(body), fz.NOW)
    assert (uplink.battery_pct, uplink.distance_mm) == (battery, distance)
    assert uplink.temperature_c == tenths / 10 and uplink.tilt is tilt
    truncated = frame[: len(frame) - cut]
    if truncated:
        try:
            decode_milesight(truncated)
        except PayloadError as error:
            assert "tronquée" in error.reason
        else:  # a cut exactly between two records is a shorter valid frame
            assert cut in (3, 7)


@settings(max_examples=25, deadline=None)
@given(
    extra=st.integers(1, 3 * MAX_PAYLOAD_BYTES),
    kind=st.sampled_from(["native", "tts", "json"]),
)
def test_any_payload_over_64_kb_is_refused_for_its_size_before_parsing(extra, kind):
    """Even a well-formed document: padded with spaces past the limit."""
    valid = fz.dumps({"ts": fz.iso(fz.NOW), "distance_mm": 100})
    payload = valid + b" " * (MAX_PAYLOAD_BYTES - len(valid) + extra)
    decode = {
        "native": lambda: decode_native(fz.EUI, payload, fz.NOW),
        "tts": lambda: decode_tts(payload, fz.NOW),
        "json": lambda: parse_json_object(payload),
    }[kind]
    try:
        decode()
    except PayloadError as error:
        assert "trop grande" in error.reason
        assert_reason(error.reason)
    else:
        raise AssertionError("payload over 64 KB accepted")
