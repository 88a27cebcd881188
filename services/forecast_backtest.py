"""Rolling-origin backtest of the overflow forecasts, model against baseline.

The fleet is cut at `origins_per_bin` common origins spread over its history (the
first week, or half the span, is kept for learning; each origin is shifted by
24 h / count so that they fall at different hours); at each origin the forecasts
use only the readings before it. The truth is the first reading at or above the
target fill after the origin and before the next detected collection, the
crossing time interpolated between readings; origins already at the target, or
emptied first, have no truth. A predicted ETA beyond the forecast horizon (72 h)
counts as the horizon's end. An origin enters the horizon-h rows when its true
crossing comes within h hours.

Coverage: share of origins where the reading nearest to origin + h (within 45
min, same cycle) lies inside the 80 % interval clipped to 0..100 %.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from services import forecast_model as fm
from services.forecast import DEFAULT_ALERT_PCT, HORIZON_H, BinSeries, fleet_arrays

COLUMNS = ["target", "kind", "horizon_h", "method", "n", "mae_h", "bias_h",
           "coverage", "n_coverage"]  # fmt: skip
ALL_KINDS = "TOUS"
WARMUP_H = 7 * 24
MIN_OVERFLOW_EVENTS = 30  # fewer true overflows within 24 h: "auto" uses the alert
NEAREST_H = 0.75


def origin_times(p: fm.Points, count: int, longest_h: float) -> np.ndarray:
    """`count` origins from the end of the warm-up to the last reading minus
    `longest_h`, shifted by 24 h / count each so that they fall at different hours."""
    if not len(p.t) or count < 1:
        return np.empty(0)
    t0, t1 = p.t.min(), p.t.max()
    first = t0 + min(WARMUP_H * fm.H, (t1 - t0) / 2)
    last = t1 - longest_h * fm.H - 24 * fm.H
    if last < first:
        return np.empty(0)
    k = np.arange(count)
    spread = np.linspace(first, last, count) + k * 24 * fm.H / count
    return np.round(spread / 60) * 60


class Truth:
    """Look-ups in the full history: crossings and readings after an origin."""

    def __init__(self, p: fm.Points) -> None:
        self.p = p
        self.span = p.t.max() - p.t.min() + 1e6 if len(p.t) else 1.0
        self.key = p.b * self.span + (p.t - p.t.min(initial=0))
        self.bins = np.arange(p.n_bins)

    def _find(self, when: np.ndarray) -> np.ndarray:
        """Per bin, index of its first reading after `when` (may be the next bin's)."""
        rel = when - self.p.t.min(initial=0)
        return np.searchsorted(self.key, self.bins * self.span + rel, side="right")

    def at_origin(self, o: float) -> tuple[np.ndarray, np.ndarray]:
        """(first index after o, last index at or before o, -1 if none)."""
        j0 = self._find(np.full(self.p.n_bins, o))
        prev = np.where(j0 > self.p.start[:-1], j0 - 1, -1)
        return j0, prev

    def crossing(self, o: float, threshold: np.ndarray) -> np.ndarray:
        """True crossing time of the threshold per bin after o (NaN: none)."""
        p = self.p
        j0, prev = self.at_origin(o)
        above = (p.f >= threshold[p.b]) & ~p.stuck
        nxt = np.minimum.accumulate(
            np.where(above, np.arange(len(p.t)), len(p.t))[::-1]
        )
        nxt = np.r_[nxt[::-1], len(p.t)]
        jc = nxt[j0]
        ok = (prev >= 0) & (jc < p.start[1:])
        jc, pv = np.where(ok, jc, 0), np.where(ok, prev, 0)
        ok &= (p.f[pv] < threshold) & (p.seg[jc] == p.seg[pv])
        lo = np.maximum(jc - 1, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.clip((threshold - p.f[lo]) / (p.f[jc] - p.f[lo]), 0, 1)
        t = np.maximum(p.t[lo] + frac * (p.t[jc] - p.t[lo]), o)
        return np.where(ok, t, np.nan)

    def reading(self, o: float, at: float) -> np.ndarray:
        """Clean reading nearest to `at` (within 45 min) in the cycle open at o."""
        p = self.p
        _, prev = self.at_origin(o)
        j = self._find(np.full(p.n_bins, at))
        best, gap = np.full(p.n_bins, np.nan), np.full(p.n_bins, NEAREST_H * fm.H)
        for cand in (j - 1, j):
            c = np.clip(cand, 0, max(len(p.t) - 1, 0))
            ok = (prev >= 0) & (cand > prev) & (cand < p.start[1:])
            ok &= ~p.stuck[c] & (p.seg[c] == p.seg[prev])
            near = ok & (np.abs(p.t[c] - at) <= gap)
            best = np.where(near, p.f[c], best)
            gap = np.where(near, np.abs(p.t[c] - at), gap)
        return best


def backtest(series: Sequence[BinSeries], horizons_h: Sequence[int] = (12, 24, 48),
             origins_per_bin: int = 4,
             alert_thresholds: dict[str, float] | None = None,
             target: str = "auto") -> pd.DataFrame:  # fmt: skip
    """Overflow-time error (hours) and interval coverage, by kind and horizon.

    `target`: "overflow" (100 %), "alert" (the kind's threshold) or "auto"
    (overflow unless fewer than 30 true overflows come within 24 h). Columns:
    target, kind ("TOUS": all), horizon_h, method ("modele" / "baseline"), n
    (origins crossing within the horizon), mae_h, bias_h (predicted - true),
    coverage, n_coverage. `df.attrs` holds the origins and the event counts.
    """
    thresholds = alert_thresholds or {}
    alert = np.array([thresholds.get(s.kind, DEFAULT_ALERT_PCT) for s in series])
    full = fm.prepare([s.times for s in series], [s.fills for s in series], np.inf,
                      [s.collected_at for s in series])  # fmt: skip
    truth = Truth(full)
    kinds = np.array([s.kind for s in series], object)
    goals = {"overflow": np.full(len(series), 100.0), "alert": alert}
    origins = origin_times(full, origins_per_bin, max(horizons_h))
    frames = []
    for o in origins:
        arrays = fleet_arrays(series, o, alert, HORIZON_H)
        cover = {h: truth.reading(o, o + h * fm.H) for h in horizons_h}
        for goal, thr in goals.items():
            crossing = truth.crossing(o, thr)
            for method in ("modele", "baseline"):
                path = getattr(arrays, "model" if method == "modele" else "baseline")
                eta = path.overflow_eta if goal == "overflow" else path.alert_eta
                eta = np.where(np.isnan(eta), o + HORIZON_H * fm.H, eta)
                frame = {"target": goal, "kind": kinds, "method": method,
                         "lead_h": (crossing - o) / fm.H,
                         "err_h": (eta - crossing) / fm.H}  # fmt: skip
                for h, seen in cover.items():
                    lo = np.clip(path.lower[:, h - 1], 0, 100)
                    hi = np.clip(path.upper[:, h - 1], 0, 100)
                    inside = (seen >= lo - 1e-9) & (seen <= hi + 1e-9)
                    frame[f"cov_{h}"] = np.where(np.isnan(seen), np.nan, inside)
                frames.append(pd.DataFrame(frame))
    if not frames:  # no origin with a later crossing: nothing to score yet
        return pd.DataFrame(columns=COLUMNS)
    records = pd.concat(frames)
    events = {
        g: int(((records["target"] == g) & (records["lead_h"] <= 24)).sum() // 2)
        for g in goals
    }
    if target == "auto":
        target = "overflow" if events["overflow"] >= MIN_OVERFLOW_EVENTS else "alert"
    out = _summary(records[records["target"] == target], horizons_h, target)
    out.attrs.update(origins=origins.tolist(), events_within_24h=events)
    return out


def _summary(records: pd.DataFrame, horizons_h, target: str) -> pd.DataFrame:
    rows = []
    for kind in [ALL_KINDS, *sorted(records["kind"].unique())]:
        mine = records if kind == ALL_KINDS else records[records["kind"] == kind]
        for h in horizons_h:
            for method in ("modele", "baseline"):
                r = mine[mine["method"] == method]
                err = r.loc[r["lead_h"] <= h, "err_h"]
                cov = r[f"cov_{h}"].dropna()
                rows.append((target, kind, h, method, len(err),
                             err.abs().mean() if len(err) else np.nan,
                             err.mean() if len(err) else np.nan,
                             cov.mean() if len(cov) else np.nan, len(cov)))  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)
