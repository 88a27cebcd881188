"""Tests of the simulated sensor fleet and its payloads (services.simulator)."""

import base64
import json
import re
import struct
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from services.fleet import communes_from_geojson, generate_demo_fleet
from services.simulator import (
    FleetSimulator,
    SimReading,
    native_payload,
    native_topic,
    tts_payload,
    tts_topic,
)

DATA = Path(__file__).parents[2] / "db" / "data"
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday in November
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def territory():
    communes = communes_from_geojson(
        json.loads((DATA / "pma_communes.geojson").read_text())
    )
    return generate_demo_fleet(communes, 500), {c.insee: c.population for c in communes}


def simulator(territory, n=500, **kwargs) -> FleetSimulator:
    bins, populations = territory
    return FleetSimulator(bins[:n], populations, **kwargs)


def readings(sim: FleetSimulator, days: float) -> list[SimReading]:
    end = START + timedelta(days=days)
    return [r for batch in sim.history(START, end) for r in batch]


def hourly_fills(sim: FleetSimulator, days: int) -> np.ndarray:
    sim.advance(START, timedelta(0))
    fills = []
    for h in range(1, days * 24 + 1):
        sim.advance(START + h * HOUR, HOUR)
        fills.append([s.fill for s in sim.states()])
    return np.array(fills)


def decode_em400(frame: bytes) -> dict:
    """Minimal Milesight decoder keyed on the type byte, as the contract asks."""
    out, i = {}, 0
    while i < len(frame):
        kind = frame[i + 1]
        if kind == 0x75:
            out["battery"], i = frame[i + 2], i + 3
        elif kind == 0x67:
            out["temperature"] = struct.unpack_from("<h", frame, i + 2)[0] / 10
            i += 4
        elif kind == 0x82:
            out["distance"], i = struct.unpack_from("<H", frame, i + 2)[0], i + 4
        elif kind == 0x00:
            out["position"], i = ("normal", "tilt")[frame[i + 2]], i + 3
        else:
            raise ValueError(f"unknown channel type {kind:#x}")
    return out


def test_local_decoder_matches_the_contract_test_vectors():
    tilt = {"battery": 92, "distance": 2116, "position": "tilt"}
    assert decode_em400(base64.b64decode("AXVcA4JECAQAAQ==")) == tilt
    with_temperature = decode_em400(base64.b64decode("AXVcA2cBAQSCRAgFAAE="))
    assert with_temperature == {**tilt, "temperature": 25.7}


def test_fill_rises_between_collections_and_drops_at_collections(territory):
    fills = hourly_fills(simulator(territory, 150, fault_rate=0), days=15)
    steps = np.diff(fills, axis=0)
    # Between collections fill never goes down; a collection leaves a near-empty bin.
    assert np.all((steps >= 0) | (fills[1:] < 0.2))
    assert np.all((steps < -0.05).sum(axis=0) >= 1)  # every bin emptied at least once
    assert np.all((steps > 0).sum(axis=0) > 100)  # and filling most hours


def test_glass_fills_slower_than_park_bins(territory):
    sim = simulator(territory, fault_rate=0)
    steps = np.diff(hourly_fills(sim, days=7), axis=0)
    rise = np.where(steps > 0, steps, np.nan)
    glass = np.nanmean(rise[:, sim.kind == 0])
    park = np.nanmean(rise[:, sim.kind == 4])
    assert park > 3 * glass


def test_each_sensor_reports_once_per_report_interval(territory):
    for minutes, expected in [(60, 48), (30, 96), (180, 16)]:
        interval = timedelta(minutes=minutes)
        sim = simulator(territory, 100, fault_rate=0, report_interval=interval)
        per_sensor = Counter(r.dev_eui for r in readings(sim, days=2))
        assert set(per_sensor.values()) == {expected}
        assert len(per_sensor) == 100


def test_sensors_report_at_their_own_phase(territory):
    times = defaultdict(set)
    for r in readings(simulator(territory, 100, fault_rate=0), days=1):
        times[r.dev_eui].add((r.measured_at.minute, r.measured_at.second))
    assert all(len(t) == 1 for t in times.values())
    assert len({next(iter(t)) for t in times.values()}) > 50


def test_two_day_history_is_time_ordered_and_within_range(territory):
    end = START + timedelta(days=2)
    batches = list(simulator(territory, 50).history(START, end))
    assert len(batches) == 48
    flat = [r for batch in batches for r in batch]
    stamps = [r.measured_at for r in flat]
    assert stamps == sorted(stamps) and len(flat) > 2000
    assert stamps[0] > START and stamps[-1] <= end
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in stamps)
    assert all(t.microsecond == 0 for t in stamps)


def test_distances_stay_within_zero_and_empty_or_are_errors(territory):
    sim = simulator(territory)
    empty = {b.dev_eui: b.empty_distance_mm for b in sim.bins}
    for r in readings(sim, days=3):
        assert r.distance_mm == 9999 or 0 <= r.distance_mm <= empty[r.dev_eui]
        assert isinstance(r.distance_mm, int)


def test_faults_occur_at_the_expected_order_of_magnitude(territory):
    got = readings(simulator(territory), days=7)
    share = Counter()
    for r in got:
        share["error"] += r.distance_mm == 9999
        share["tilt"] += r.tilt
    share["duplicate"] = sum(a is b for a, b in zip(got, got[1:], strict=False))
    assert 0.005 < share["error"] / len(got) < 0.02
    assert 0.002 < share["tilt"] / len(got) < 0.01
    assert 0.002 < share["duplicate"] / len(got) < 0.01
    per_sensor = defaultdict(list)
    for r in got:
        per_sensor[r.dev_eui].append(r)
    stuck = sum(longest_repeat(rs) >= 20 for rs in per_sensor.values())
    silent = sum(longest_gap(rs) > 3 * HOUR for rs in per_sensor.values())
    assert 2 <= stuck <= 40  # ~0.5 % of 500 sensors at a time, 1-3 day episodes
    assert 10 <= silent <= 120  # ~1 % at a time, episodes of hours to days


def longest_repeat(rs: list[SimReading]) -> int:
    best = run = 1
    for a, b in zip(rs, rs[1:], strict=False):
        run = run + 1 if a.distance_mm == b.distance_mm != 9999 else 1
        best = max(best, run)
    return best


def longest_gap(rs: list[SimReading]) -> timedelta:
    stamps = [START] + [r.measured_at for r in rs] + [START + timedelta(days=7)]
    return max(b - a for a, b in zip(stamps, stamps[1:], strict=False))


def test_no_faults_when_fault_rate_is_zero(territory):
    sim = simulator(territory, fault_rate=0)
    got = readings(sim, days=7)
    assert len(got) == 500 * 7 * 24  # no silence, no duplicate
    assert not any(r.distance_mm == 9999 or r.tilt for r in got)
    per_sensor = defaultdict(list)
    for r in got:
        per_sensor[r.dev_eui].append(r)
    assert max(longest_repeat(rs) for rs in per_sensor.values()) < 10
    assert all(s.stuck_until is None and s.silent_until is None for s in sim.states())


def test_duplicates_are_the_same_reading_sent_twice(territory):
    got = readings(simulator(territory), days=2)
    keys = Counter((r.dev_eui, r.measured_at, r.seq) for r in got)
    twice = [k for k, c in keys.items() if c == 2]
    assert twice and max(keys.values()) == 2
    by_key = defaultdict(list)
    for r in got:
        by_key[(r.dev_eui, r.measured_at, r.seq)].append(r)
    assert all(by_key[k][0] == by_key[k][1] for k in twice)


def test_same_seed_gives_the_same_readings(territory):
    first = readings(simulator(territory, 100, seed=11), days=2)
    assert first == readings(simulator(territory, 100, seed=11), days=2)
    assert first != readings(simulator(territory, 100, seed=12), days=2)


def test_live_readings_continue_the_history_without_gap_or_overlap(territory):
    sim = simulator(territory, 100, fault_rate=0)
    end = START + timedelta(days=1)
    past = [r for batch in sim.history(START, end) for r in batch]
    live = []
    for minutes in range(10, 181, 10):
        now = end + timedelta(minutes=minutes)
        batch = sim.due_readings(now)
        assert all(now - timedelta(minutes=10) < r.measured_at <= now for r in batch)
        live += batch
    assert Counter(r.dev_eui for r in live) == {b.dev_eui: 3 for b in sim.bins}
    seqs = defaultdict(list)
    for r in past + live:
        seqs[r.dev_eui].append(r.seq)
    assert all(np.all(np.diff(s) == 1) for s in seqs.values())


def test_battery_drains_slowly_and_november_temperatures_are_cold(territory):
    sim = simulator(territory, fault_rate=0)
    before = np.array([s.battery for s in sim.states()])
    got = readings(sim, days=10)
    drained = before - np.array([s.battery for s in sim.states()])
    assert np.allclose(drained, 0.1, atol=1e-6)  # 0.01 % per day
    assert (before < 20).sum() >= 3 and before.max() <= 100
    temperatures = np.array([r.temperature_c for r in got])
    assert 3 < temperatures.mean() < 8 and temperatures.std() > 1


def test_native_payload_is_the_contract_json():
    r = SimReading("A840410000000001", datetime(2026, 11, 22, 8, 15, tzinfo=UTC),
                   2116, 92.0, 5.7, False, 1234)  # fmt: skip
    body = json.loads(native_payload(r))
    assert body == {"ts": "2026-11-22T08:15:00Z", "distance_mm": 2116,
                    "battery_pct": 92.0, "temperature_c": 5.7, "tilt": False,
                    "seq": 1234}  # fmt: skip
    assert native_topic("pma", r.dev_eui) == "pma/waste/A840410000000001/up"


@pytest.mark.parametrize("with_decoded", [False, True])
def test_tts_payload_frame_decodes_to_the_reading(territory, with_decoded):
    got = readings(simulator(territory, 200), days=1)
    samples = [r for r in got if r.tilt][:3] + [r for r in got if r.temperature_c < 0][
        :3
    ]
    samples += [r for r in got if r.distance_mm == 9999][:3] + got[:20]
    assert any(r.tilt for r in samples) and any(r.temperature_c < 0 for r in samples)
    for r in samples:
        body = json.loads(tts_payload(r, with_decoded=with_decoded))
        ids, up = body["end_device_ids"], body["uplink_message"]
        assert (
            ids["dev_eui"] == r.dev_eui
            and ids["device_id"] == "bac-" + r.dev_eui.lower()
        )
        assert ids["application_ids"]["application_id"] == "pma-dechets"
        assert body["received_at"] == r.measured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert up["f_port"] == 85 and up["f_cnt"] == r.seq
        radio = up["rx_metadata"][0]
        assert isinstance(radio["rssi"], int) and radio["rssi"] < 0
        assert radio["gateway_ids"]["gateway_id"] and isinstance(radio["snr"], float)
        expected = {
            "battery": round(r.battery_pct),
            "temperature": r.temperature_c,
            "distance": r.distance_mm,
            "position": "tilt" if r.tilt else "normal",
        }
        assert decode_em400(base64.b64decode(up["frm_payload"])) == expected
        assert up.get("decoded_payload") == (expected if with_decoded else None)
        topic = tts_topic(r)
        assert re.fullmatch(r"v3/pma-dechets@pma/devices/bac-[0-9a-f]{16}/up", topic)
