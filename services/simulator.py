"""A simulated sensor fleet that behaves like PMA's real bins, and its MQTT payloads.

Pure code: no database, no MQTT client. The state of every bin lives in numpy
arrays, so a step of 10,000 bins costs a few array operations.

Assumptions (our inferences, not PMA data):
- Mean days to fill: glass 10-20, paper 7-14, packaging and household waste (OM)
  3-7, grouping points 3-6, park bins 1-3 (x1.6 in July-August, x0.7 in winter).
  Communes denser than the median fill faster: x(pop / median) ** 0.25, clipped
  to 0.7-1.5.
- Deposits follow the hour of day (almost none at night, peaks late morning and
  early evening) and the day of week (weekends for park bins and glass). Each
  commune over 5,000 inhabitants has a market day (7-13 h, x1.5 for OM, park
  bins and grouping points).
- Collections, at a per-bin time between 06:00 and 12:00 local: glass every other
  week, paper weekly, packaging / OM / grouping points twice a week, park bins
  Monday to Saturday. A bin above 95 % is also emptied early with a 25 % chance
  per working hour (reactive pickup). Fill may overflow up to 105-115 %.
- Measurement: distance = empty - fill x (empty - full) + N(0, 15 mm), floored
  at the full distance minus 40 mm when overflowing, clipped to 0..empty.
- Battery: 60-100 % at start (3 % of sensors below 20 %), -0.01 %/day. Temperature:
  Montbéliard monthly mean (November ~5.6 degC) + 4 degC daily cycle + noise.
- Faults, all scaled by `fault_rate`: 1 % of readings are 9999 errors, 0.5 % carry
  a tilt flag, 0.5 % are sent twice; at any time ~0.5 % of sensors are stuck
  (same distance for 1-3 days) and ~1 % are silent (2 h to 4 days; the frame
  counter still advances, as with lost uplinks).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from services.fleet import BIN_KINDS

PARIS = ZoneInfo("Europe/Paris")
_H = 3600.0
_DAY = 86400.0
# Per kind, in BIN_KINDS order: mean days to fill an empty bin (low, high).
_DAYS_TO_FILL = np.array([(10, 20), (7, 14), (3, 7), (3, 7), (1, 3), (3, 6)], float)
# fmt: off
_HOUR = np.array([0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.2, 1.6, 1.9, 2.0, 1.9,
                  1.5, 1.2, 1.1, 1.2, 1.5, 1.8, 1.9, 1.6, 1.1, 0.6, 0.3, 0.15])
_HOUR /= _HOUR.mean()  # local hour of day
_WEEK = np.array([[1.1, 0.8, 0.8, 0.8, 0.9, 1.5, 1.3], [1, 1, 1, 1, 1, 1.1, 0.8],
                  [1.1, 1, 1, 1, 1, 1.1, 0.8], [1.1, 1, 1, 1, 1, 1.1, 0.8],
                  [0.8, 0.7, 0.9, 0.7, 0.9, 1.5, 1.8], [1, 1, 1, 1, 1, 1, 0.9]])
# fmt: on
_WEEK /= _WEEK.mean(axis=1, keepdims=True)
_SEASON = np.ones((6, 12))
_SEASON[4] = [0.7, 0.7, 0.9, 1.1, 1.2, 1.4, 1.6, 1.6, 1.2, 1.0, 0.7, 0.7]
_MARKET_KINDS = np.array(
    [k in ("PAV_OM", "CORBEILLE", "REGROUPEMENT") for k in BIN_KINDS]
)
_TEMP_MONTH = [1.6, 2.6, 6.2, 9.6, 13.6, 17.1, 19.2, 18.7, 14.9, 10.8, 5.6, 2.5]
ERROR_SHARE, TILT_SHARE, DUPLICATE_SHARE = 0.01, 0.005, 0.005
STUCK_SHARE, SILENT_SHARE, REACTIVE_PER_HOUR = 0.005, 0.01, 0.5
_STUCK_H, _SILENT_H = (24.0, 72.0), (2.0, 96.0)
_SILENT_MEAN_H = (_SILENT_H[1] - _SILENT_H[0]) / np.log(_SILENT_H[1] / _SILENT_H[0])
# Episodes start at these rates per sensor-hour, so the share at a time stays steady.
_STUCK_HAZARD = STUCK_SHARE / np.mean(_STUCK_H)
_SILENT_HAZARD = SILENT_SHARE / _SILENT_MEAN_H


@dataclass(frozen=True, slots=True)
class SimReading:
    """One uplink as a sensor would send it (measured_at: aware UTC, whole seconds)."""

    dev_eui: str
    measured_at: datetime
    distance_mm: int
    battery_pct: float
    temperature_c: float
    tilt: bool
    seq: int


@dataclass
class SimBinState:
    """Snapshot of one simulated bin (the live state is kept in numpy arrays)."""

    bin: Any
    population: int
    fill: float
    battery: float
    seq: int
    stuck_until: datetime | None
    silent_until: datetime | None


class FleetSimulator:
    """Fill levels, collections, sensor reports and faults of a fleet of bins.

    A bin needs `code`, `kind`, `commune_insee`, `empty_distance_mm`,
    `full_distance_mm` and `dev_eui`; `populations` maps INSEE code to population.
    Live: call `due_readings(now)` on each tick (it advances the state to `now`).
    Backfill: iterate `history(start, end)`, then carry on live from `end`.
    Times are timezone-aware datetimes.
    """

    def __init__(
        self,
        bins: list,
        populations: dict[str, int],
        seed: int = 7,
        report_interval: timedelta = timedelta(minutes=60),
        fault_rate: float = 1.0,
    ) -> None:
        self.bins = list(bins)
        self.dev_euis = [b.dev_eui for b in self.bins]
        self.interval = max(1, round(report_interval.total_seconds()))
        self.fault_rate = fault_rate
        self.clock: float | None = None
        self._pending: list[SimReading] = []
        rng = self._rng = np.random.default_rng(seed)
        n = len(self.bins)
        self.kind = np.array([BIN_KINDS.index(b.kind) for b in self.bins], dtype=int)
        self.empty = np.array([b.empty_distance_mm for b in self.bins], float)
        self.full = np.array([b.full_distance_mm for b in self.bins], float)
        median = float(np.median(list(populations.values()) or [1])) or 1.0
        self.pop = np.array(
            [populations.get(b.commune_insee, median) for b in self.bins]
        )
        pop_factor = np.clip((self.pop / median) ** 0.25, 0.7, 1.5)
        lo, hi = _DAYS_TO_FILL[self.kind].T
        self.rate = pop_factor / (rng.uniform(lo, hi) * _DAY)  # fill per second
        self.cap = rng.uniform(1.05, 1.15, n)
        self.fill = rng.uniform(0.0, 0.9, n)
        self.battery = np.where(
            rng.random(n) < 0.03, rng.uniform(5, 20, n), rng.uniform(60, 100, n)
        )
        self.temp_offset = rng.normal(0.0, 1.0, n)
        self.seq = rng.integers(1, 5000, n)
        self.phase = rng.integers(0, self.interval, n).astype(float)
        self.next_rep = np.full(n, -np.inf)
        # Collection calendar: weekday mask, ISO-week parity (-1: every week), time.
        first = rng.integers(0, 5, n)
        self.days = np.zeros((n, 7), bool)
        self.days[np.arange(n), first] = True
        twice = np.isin(self.kind, [2, 3, 5])
        self.days[twice, (first[twice] % 2) + 3] = True
        self.days[self.kind == 4, :6] = True
        self.parity = np.where(self.kind == 0, rng.integers(0, 2, n), -1)
        self.coll_sec = rng.integers(6 * 60, 12 * 60, n) * 60.0
        market = {
            c: zlib.crc32(c.encode()) % 6 for c, p in populations.items() if p > 5000
        }
        self.market = np.array([market.get(b.commune_insee, -1) for b in self.bins])
        self.market[~_MARKET_KINDS[self.kind]] = -1
        # Faults already under way when the simulation starts (placed at first step).
        on = rng.random((2, n)) < np.array([[STUCK_SHARE], [SILENT_SHARE]]) * fault_rate
        self.stuck_until = np.where(on[0], rng.uniform(*_STUCK_H, n) * _H, -np.inf)
        self.silent_until = np.where(on[1], rng.uniform(*_SILENT_H, n) * _H, -np.inf)
        self.stuck_dist = self._distance(self.fill)

    def _dt(self, ts: float) -> datetime | None:
        # Before the first step, fault ends are still durations, not times.
        ok = self.clock is not None and np.isfinite(ts)
        return datetime.fromtimestamp(ts, UTC) if ok else None

    def _distance(self, fill: np.ndarray, idx: Any = slice(None)) -> np.ndarray:
        span = self.empty[idx] - self.full[idx]
        return np.maximum(self.empty[idx] - fill * span, self.full[idx] - 40.0)

    def advance(self, now: datetime, dt: timedelta) -> None:
        """Simulate (now - dt, now]; the reports it produces wait for due_readings."""
        t1 = now.timestamp()
        t = t1 - dt.total_seconds()
        if self.clock is None:  # faults under way at start get their absolute end
            self.stuck_until += t
            self.silent_until += t
        while t < t1:
            step_end = min(t + _H, t1)  # sub-steps of at most an hour
            self._step(t, step_end)
            t = step_end
        self.clock = t1

    def due_readings(self, now: datetime) -> list[SimReading]:
        """Readings whose report time falls between the previous call and `now`."""
        since = now.timestamp() if self.clock is None else self.clock
        if self.clock is None or now.timestamp() > since:
            self.advance(now, timedelta(seconds=now.timestamp() - since))
        out, self._pending = self._pending, []
        return out

    def history(
        self, start: datetime, end: datetime, step: timedelta = timedelta(hours=1)
    ) -> Iterator[list[SimReading]]:
        """Backfill: yield, step by step, the readings sent in (start, end]."""
        self.advance(start, timedelta(0))
        t = start
        while t < end:
            nxt = min(t + step, end)
            yield self.due_readings(nxt)
            t = nxt

    def states(self) -> list[SimBinState]:
        """Snapshot of every bin, in the order of `bins`."""
        return [
            SimBinState(b, int(self.pop[i]), float(self.fill[i]),
                        float(self.battery[i]), int(self.seq[i]),
                        self._dt(self.stuck_until[i]),
                        self._dt(self.silent_until[i]))
            for i, b in enumerate(self.bins)
        ]  # fmt: skip

    def _step(self, t0: float, t1: float) -> None:
        rng, n, dt, fr = self._rng, len(self.bins), t1 - t0, self.fault_rate
        mid = datetime.fromtimestamp((t0 + t1) / 2, PARIS)
        wd, hour = mid.weekday(), mid.hour
        rate = self.rate * _HOUR[hour] * _WEEK[self.kind, wd]
        rate *= _SEASON[self.kind, mid.month - 1]
        rate = np.where((self.market == wd) & (7 <= hour < 13), rate * 1.5, rate)
        tc = np.full(n, np.nan)  # collection time in this step, if any
        for day in sorted({datetime.fromtimestamp(t, PARIS).date() for t in (t0, t1)}):
            midnight = datetime(day.year, day.month, day.day, tzinfo=PARIS).timestamp()
            when = midnight + self.coll_sec
            parity = (self.parity < 0) | (self.parity == day.isocalendar().week % 2)
            hit = self.days[:, day.weekday()] & parity & (when > t0) & (when <= t1)
            tc = np.where(hit, when, tc)
        reactive = np.isnan(tc) & (self.fill > 0.95) & (6 <= hour < 18) & (wd != 6)
        reactive &= rng.random(n) < 1 - np.exp(-REACTIVE_PER_HOUR * dt / _H)
        tc = np.where(reactive, t0 + rng.random(n) * dt, tc)
        fill0, resid = self.fill, rng.uniform(0.0, 0.03, n)
        starts = rng.random((2, n)) * _H / dt  # compared with per-hour hazards
        stuck = (starts[0] < fr * _STUCK_HAZARD) & (self.stuck_until < t0)
        self.stuck_until[stuck] = t0 + rng.uniform(*_STUCK_H, stuck.sum()) * _H
        self.stuck_dist[stuck] = self._distance(fill0[stuck], stuck)
        silent = (starts[1] < fr * _SILENT_HAZARD) & (self.silent_until < t0)
        self.silent_until[silent] = (
            t0 + np.exp(rng.uniform(*np.log(_SILENT_H), silent.sum())) * _H
        )
        self.battery = np.maximum(self.battery - 0.01 * dt / _DAY, 0.0)
        # Reports: a sensor whose schedule fell behind (gap, first step) realigns.
        late = self.next_rep <= t0
        self.next_rep[late] = (
            self.phase[late]
            + (np.floor((t0 - self.phase[late]) / self.interval) + 1) * self.interval
        )
        utc_offset = mid.utcoffset().total_seconds()
        while (idx := np.flatnonzero(self.next_rep <= t1)).size:
            idx = idx[np.argsort(self.next_rep[idx], kind="stable")]  # time order
            tr = self.next_rep[idx]
            after = tr >= tc[idx]  # NaN (no collection) compares False
            fill = np.where(after, resid[idx] + rate[idx] * (tr - tc[idx]),
                            fill0[idx] + rate[idx] * (tr - t0))  # fmt: skip
            fill = np.minimum(fill, self.cap[idx])
            self._report(idx, tr, fill, mid.month, utc_offset)
            self.next_rep[idx] += self.interval
        collected = ~np.isnan(tc)
        grown = np.where(collected, resid + rate * (t1 - tc), fill0 + rate * dt)
        self.fill = np.minimum(grown, self.cap)

    def _report(self, idx, tr, fill, month: int, utc_offset: float) -> None:
        rng, k, fr = self._rng, idx.size, self.fault_rate
        dist = self._distance(fill, idx) + rng.normal(0.0, 15.0, k)
        dist = np.clip(np.rint(dist), 0, self.empty[idx])
        dist = np.where(self.stuck_until[idx] > tr, self.stuck_dist[idx], dist)
        draws = rng.random((3, k))
        dist = np.where(draws[0] < fr * ERROR_SHARE, 9999, dist).astype(int)
        local_h = ((tr + utc_offset) % _DAY) / _H
        temp = _TEMP_MONTH[month - 1] + 4.0 * np.cos((local_h - 15.0) * np.pi / 12)
        temp = np.round(temp + self.temp_offset[idx] + rng.normal(0.0, 0.4, k), 1)
        self.seq[idx] += 1  # the frame counter moves even when the uplink is lost
        sent = ~(self.silent_until[idx] > tr)
        cols = zip(idx[sent].tolist(), tr[sent].tolist(), dist[sent].tolist(),
                   np.round(self.battery[idx][sent], 1).tolist(), temp[sent].tolist(),
                   (draws[1] < fr * TILT_SHARE)[sent].tolist(),
                   self.seq[idx][sent].tolist(),
                   (draws[2] < fr * DUPLICATE_SHARE)[sent].tolist(),
                   strict=True)  # fmt: skip
        pending, eui = self._pending, self.dev_euis
        for i, ts, d, bat, tmp, tilt, seq, dup in cols:
            r = SimReading(
                eui[i], datetime.fromtimestamp(ts, UTC), d, bat, tmp, tilt, seq
            )
            pending.append(r)
            if dup:
                pending.append(r)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def native_payload(r: SimReading) -> bytes:
    """The contract's native JSON uplink."""
    body = {"ts": _iso(r.measured_at), "distance_mm": r.distance_mm,
            "battery_pct": r.battery_pct, "temperature_c": r.temperature_c,
            "tilt": r.tilt, "seq": r.seq}  # fmt: skip
    return json.dumps(body, separators=(",", ":")).encode()


def em400_frame(r: SimReading) -> bytes:
    """Milesight EM400-UDL frame: battery, temperature, distance, position channels."""
    # Channel numbers as on the EM400-UDL; decoders key on the type byte.
    return struct.pack("<BBBBBhBBHBBB", 0x01, 0x75, round(r.battery_pct),
                       0x03, 0x67, round(r.temperature_c * 10),
                       0x04, 0x82, r.distance_mm, 0x05, 0x00, int(r.tilt))  # fmt: skip


def tts_device_id(dev_eui: str) -> str:
    """The Things Stack device id of a sensor."""
    return "bac-" + dev_eui.lower()


def tts_topic(
    r: SimReading, application: str = "pma-dechets", tenant: str = "pma"
) -> str:
    """The Things Stack v3 uplink topic of a reading."""
    return f"v3/{application}@{tenant}/devices/{tts_device_id(r.dev_eui)}/up"


def native_topic(root: str, dev_eui: str) -> str:
    """Native uplink topic of a sensor."""
    return f"{root}/waste/{dev_eui}/up"


def tts_payload(
    r: SimReading, application: str = "pma-dechets", with_decoded: bool = False
) -> bytes:
    """The Things Stack v3 uplink JSON carrying an EM400-UDL frame."""
    # Radio figures are stable per sensor (its distance to a gateway) plus jitter.
    h = zlib.crc32(r.dev_eui.encode())
    jitter = zlib.crc32(f"{r.dev_eui}{r.seq}".encode())
    rssi = -70 - h % 45 - jitter % 7
    snr = round(10.0 - (h % 45) * 0.4 + (jitter % 21) / 10 - 1.0, 1)
    uplink: dict[str, Any] = {
        "f_port": 85,
        "f_cnt": r.seq,
        "frm_payload": base64.b64encode(em400_frame(r)).decode(),
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": f"pma-gw-{h % 6 + 1:02d}"},
                "rssi": rssi,
                "snr": snr,
            }
        ],  # fmt: skip
    }
    if with_decoded:
        uplink["decoded_payload"] = {
            "battery": round(r.battery_pct), "temperature": r.temperature_c,
            "distance": r.distance_mm, "position": "tilt" if r.tilt else "normal",
        }  # fmt: skip
    body = {
        "end_device_ids": {
            "device_id": tts_device_id(r.dev_eui),
            "application_ids": {"application_id": application},
            "dev_eui": r.dev_eui,
        },  # fmt: skip
        "received_at": _iso(r.measured_at),
        "uplink_message": uplink,
    }
    return json.dumps(body, separators=(",", ":")).encode()
