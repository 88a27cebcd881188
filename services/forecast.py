"""Overflow forecasts of the bins: fill trajectories, 80 % intervals and ETAs.

Pure code (numpy, pandas, statsmodels): no database, no Dash. Callers build
`BinSeries` from stored readings and store or show the `Forecast`s; `backtest`
(in services.forecast_backtest, importable from here) measures their quality.

The model ("modele") is fitted on the whole fleet at each refresh:
- 9999 errors (NaN) and gaps are skipped; collections are sudden drops
  (`detect_collections`) that cut a series into filling cycles; a flat run of
  >= 12 h (identical readings: a stuck sensor) is treated as missing, and flagged
  "capteur_bloque" when the kind should have risen meanwhile.
- Rhythm: per kind, a multiplicative hour-of-day x day-of-week profile of the
  fill increments pooled over the fleet (Poisson GLM with the bins' rates as
  exposure, statsmodels) defines an operational clock; fill rises linearly in it.
- Rate: least squares of fill on operational time per cycle (one robust trim);
  a bin's rate pools its past cycles, and the current cycle's slope is shrunk
  towards it by their precisions. With < 2 days of history or no rising cycle,
  the bin borrows the median rate of its kind in its commune, else of its kind
  ("modele_pooled").
- Level: mean of the cycle's last 12 h of readings, carried to now (a collection
  recorded by a crew after the last reading restarts the bin at 2 %).
- Interval (80 %): rate x the 10 % / 90 % quantiles of past cycle / bin (or
  bin / group) rate ratios, plus reading noise: it widens with the horizon.
The baseline ("baseline") is the least-squares line through the current cycle;
it also stands in for the model when no rate can be had at all (a new fleet).
Expected fills are not clamped at 100 %: overflow goes on until a collection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from scipy import stats

from services import forecast_model as fm

INTERVAL_LEVEL = 0.8
DEFAULT_ALERT_PCT = 80.0
OVERFLOW_PCT = 100.0
HORIZON_H = 72


@dataclass(frozen=True, eq=False)
class BinSeries:
    """A bin's readings: `times` in epoch seconds (UTC, float64), `fills` in %
    (NaN for 9999 errors). Any order; readings after `now` are ignored.

    `collected_at` (epoch seconds, optional): collections recorded by crews; each
    opens a new cycle, even before the sensor shows the drop.
    """

    bin_id: int
    kind: str
    commune_insee: str
    times: np.ndarray
    fills: np.ndarray
    collected_at: np.ndarray | None = None

    @classmethod
    def from_readings(cls, bin_id: int, kind: str, commune_insee: str,
                      measured_at: Sequence[datetime],
                      fill_pct: Sequence[float | None],
                      collected_at: Sequence[datetime] = ()) -> BinSeries:  # fmt: skip
        """From stored rows (aware datetimes, fill % or None)."""
        times = np.array([m.timestamp() for m in measured_at], float)
        fills = np.array([np.nan if v is None else v for v in fill_pct], float)
        events = np.array([c.timestamp() for c in collected_at], float)
        return cls(bin_id, kind, commune_insee, times, fills, events)


@dataclass(frozen=True)
class Forecast:
    """A bin's forecast at `generated_at`: `times` are generated_at + 1 h, + 2 h,
    ... + horizon_h h; `lower`/`upper` bound the 80 % prediction interval.

    `rate_pct_per_h`: mean fill speed over a week (faster at busy hours).
    ETAs: first time the expected fill reaches the alert threshold / 100 %
    (`generated_at` if already there, None beyond the horizon). `flags`:
    "capteur_bloque", "donnees_anciennes" (last usable reading > 24 h old).
    "no_data": no valid reading; current_fill None, rate 0, empty lists.
    """

    bin_id: int
    generated_at: datetime
    current_fill: float | None
    rate_pct_per_h: float
    times: list[datetime]
    expected: list[float]
    lower: list[float]
    upper: list[float]
    alert_eta: datetime | None
    overflow_eta: datetime | None
    method: str  # "modele", "modele_pooled", "baseline", "no_data"
    flags: tuple[str, ...] = ()

    @property
    def stuck(self) -> bool:
        """The sensor repeats one value while the bin should be filling."""
        return "capteur_bloque" in self.flags


@dataclass
class Trajectories:
    """One method's results for every bin (rows in input order)."""

    current: np.ndarray
    rate: np.ndarray
    expected: np.ndarray  # (bins, horizon)
    lower: np.ndarray
    upper: np.ndarray
    alert_eta: np.ndarray | None = None  # epoch seconds, NaN: beyond the horizon
    overflow_eta: np.ndarray | None = None

    def add_etas(self, now_s: float, grid: np.ndarray, alert: np.ndarray) -> None:
        self.alert_eta = fm.etas(now_s, grid, self.current, self.expected, alert)
        self.overflow_eta = fm.etas(now_s, grid, self.current, self.expected,
                                    np.full(len(alert), OVERFLOW_PCT))  # fmt: skip


@dataclass
class FleetArrays:
    """Model (with the baseline as fallback) and baseline, for the whole fleet."""

    grid: np.ndarray
    method: np.ndarray
    flags: list[tuple[str, ...]]
    model: Trajectories
    baseline: Trajectories


def _epoch(now: datetime) -> float:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.timestamp()


def detect_collections(times: np.ndarray, fills: np.ndarray) -> np.ndarray:
    """Indices (into the given arrays) of the first reading after each collection."""
    p = fm.prepare([times], [fills], np.inf)
    return np.sort(p.src[np.flatnonzero(np.diff(p.seg)) + 1])


def _baseline(p: fm.Points, now_s: float, grid: np.ndarray) -> Trajectories:
    """Least-squares line through each bin's current cycle, extrapolated."""
    nb, emptied = p.n_bins, np.isfinite(p.emptied)
    idx = np.flatnonzero(p.seg == p.cycle[p.b])
    bi, x, y = p.b[idx], (p.t[idx] - now_s) / fm.H, p.f[idx]
    n, mx, my, sxx, sxy = fm.segment_fit(bi, x, y, nb)
    ok = (n >= 3) & (sxx > 0.5)  # at least a couple of hours of readings
    slope = np.where(ok, np.maximum(sxy / np.where(ok, sxx, 1.0), 0.0), 0.0)
    resid2 = np.bincount(bi, (y - my[bi] - slope[bi] * (x - mx[bi])) ** 2, nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(ok, np.sqrt(resid2 / (n - 2)), 2.0)
        xg = (grid - now_s) / fm.H
        lever = np.where(ok, 1 / n, 0)[:, None] + np.where(
            ok[:, None], (xg - mx[:, None]) ** 2 / np.where(ok, sxx, 1)[:, None], 0
        )
    half = stats.t.ppf(0.5 + INTERVAL_LEVEL / 2, np.maximum(n - 2, 1))[:, None]
    half = half * s[:, None] * np.sqrt(1 + lever)
    level = np.where(emptied, fm.RESIDUAL_PCT, np.where(n > 0, my, np.nan))
    expected = level[:, None] + slope[:, None] * (xg - mx[:, None])
    return Trajectories(
        level - slope * mx, slope, expected, expected - half, expected + half
    )


def fleet_arrays(series: Sequence[BinSeries], now_s: float, alert: np.ndarray,
                 horizon_h: int = HORIZON_H) -> FleetArrays:  # fmt: skip
    """Model and baseline for every bin; `alert`: threshold per bin."""
    p = fm.prepare([s.times for s in series], [s.fills for s in series], now_s,
                   [s.collected_at for s in series])  # fmt: skip
    grid = now_s + fm.H * np.arange(1, horizon_h + 1)
    base = _baseline(p, now_s, grid)
    method = np.where(p.last >= 0, "baseline", "no_data").astype(object)
    flags: list[tuple[str, ...]] = [()] * len(series)
    copies = {k: v.copy() for k, v in vars(base).items() if v is not None}
    model = Trajectories(**copies)
    if len(p.t):
        _, kind = np.unique([s.kind for s in series], return_inverse=True)
        commune = np.array([s.commune_insee for s in series], object)
        m = fm.model_fleet(p, kind, commune, now_s, horizon_h)
        ok = np.isfinite(m.rate) & (p.last >= 0)
        for name in ("current", "rate", "expected", "lower", "upper"):
            getattr(model, name)[ok] = getattr(m, name)[ok]
        method[ok] = np.where(m.pooled[ok], "modele_pooled", "modele")
        stuck, stale = np.flatnonzero(m.stuck_now & ok), np.flatnonzero(m.stale & ok)
        for i in stale:
            flags[i] = ("donnees_anciennes",)
        for i in stuck:
            flags[i] = ("capteur_bloque", *flags[i])
    model.add_etas(now_s, grid, alert)
    base.add_etas(now_s, grid, alert)
    return FleetArrays(grid, method, flags, model, base)


def _when(ts: float) -> datetime | None:
    return None if np.isnan(ts) else datetime.fromtimestamp(float(ts), UTC)


def _forecasts(series, arrays: FleetArrays, path: Trajectories, now: datetime,
               methods) -> list[Forecast]:  # fmt: skip
    times = [datetime.fromtimestamp(float(t), UTC) for t in arrays.grid]
    exp, lo, hi = (np.round(a, 2) for a in (path.expected, path.lower, path.upper))
    out = []
    for i, s in enumerate(series):
        if methods[i] == "no_data":
            out.append(Forecast(s.bin_id, now, None, 0.0, [], [], [], [],
                                None, None, "no_data"))  # fmt: skip
            continue
        out.append(Forecast(
            s.bin_id, now, round(float(path.current[i]), 2), float(path.rate[i]),
            list(times), exp[i].tolist(), lo[i].tolist(), hi[i].tolist(),
            _when(path.alert_eta[i]), _when(path.overflow_eta[i]), methods[i],
            arrays.flags[i] if methods[i] != "baseline" else (),
        ))  # fmt: skip
    return out


def forecast_fleet(series: Sequence[BinSeries], now: datetime,
                   alert_thresholds: dict[str, float] | None = None,
                   horizon_h: int = HORIZON_H) -> list[Forecast]:  # fmt: skip
    """Forecasts of every bin at `now` (aware), in input order.

    `alert_thresholds`: alert fill % per bin kind (80 for kinds not listed).
    """
    thresholds = alert_thresholds or {}
    alert = np.array([thresholds.get(s.kind, DEFAULT_ALERT_PCT) for s in series])
    now_s = _epoch(now)
    if not series:
        return []
    arrays = fleet_arrays(series, now_s, alert, horizon_h)
    return _forecasts(series, arrays, arrays.model, now, arrays.method)


def baseline_forecast(s: BinSeries, now: datetime,
                      alert_threshold: float = DEFAULT_ALERT_PCT,
                      horizon_h: int = HORIZON_H) -> Forecast:  # fmt: skip
    """Linear extrapolation of the least-squares slope since the last collection."""
    now_s = _epoch(now)
    p = fm.prepare([s.times], [s.fills], now_s, [s.collected_at])
    grid = now_s + fm.H * np.arange(1, horizon_h + 1)
    base = _baseline(p, now_s, grid)
    base.add_etas(now_s, grid, np.array([alert_threshold], float))
    arrays = FleetArrays(grid, np.array(["baseline"]), [()], base, base)
    method = ["baseline" if p.last[0] >= 0 else "no_data"]
    return _forecasts([s], arrays, base, now, method)[0]


def __getattr__(name: str):
    # backtest lives in its own module, which imports this one: load it lazily.
    if name == "backtest":
        from services.forecast_backtest import backtest

        return backtest
    raise AttributeError(name)
