"""Array engine of the fill forecasts (see services.forecast for the model).

The readings of the whole fleet live in flat numpy arrays sorted by (bin, time);
per-bin and per-segment sums use `np.bincount`, so a refresh is a few dozen passes
over the readings plus one small statsmodels GLM per bin kind, with no per-bin loop.
A segment is a filling cycle: the readings between two collections.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import statsmodels.api as sm

H = 3600.0
PARIS = ZoneInfo("Europe/Paris")  # deposits follow local time
PLATEAU = 99.5  # stored fills are clamped at 100: a plateau carries no slope
COLLECTION_DROP = 10.0  # fill points; sensor noise is 1-3 points
STUCK_MIN_H, STUCK_MIN_POINTS = 12.0, 4
PROFILE_MAX_DT_H, RATE_MAX_DT_H = 2.0, 6.0
PROFILE_PRIOR_N = 2000.0  # increments: below this, a kind leans on the fleet profile
TRIM_SIGMAS = 4.0


@dataclass
class Points:
    """Valid readings (no NaN, none after `now`), sorted by bin then time."""

    n_bins: int
    b: np.ndarray  # position of the bin in the input list
    t: np.ndarray  # epoch seconds
    f: np.ndarray  # fill %
    src: np.ndarray  # index in the concatenated input arrays
    stuck: np.ndarray  # repeats of a flat run >= 12 h: treated as missing
    seg: np.ndarray  # filling cycle id, increasing along the arrays
    start: np.ndarray  # first point of each bin (n_bins + 1 offsets)
    emptied: np.ndarray  # per bin: recorded collection after its last reading, or NaN

    @property
    def last(self) -> np.ndarray:
        """Index of each bin's last point (-1 when the bin has none)."""
        return np.where(self.start[1:] > self.start[:-1], self.start[1:] - 1, -1)

    @property
    def cycle(self) -> np.ndarray:
        """Each bin's current cycle: that of its last reading, -1 when it has none
        or when a recorded collection came after it."""
        current = np.r_[self.seg, -1][self.last]
        return np.where(np.isnan(self.emptied), current, -1)


def _shift(a: np.ndarray, k: int, fill=np.nan) -> np.ndarray:
    out = np.full_like(a, fill)
    if k > 0:
        out[k:] = a[:-k]
    else:
        out[:k] = a[-k:]
    return out


def prepare(times: list, fills: list, now_s: float, collected: list | None = None
            ) -> Points:  # fmt: skip
    """Flatten per-bin arrays, drop errors and future readings, find stuck runs
    and collections (sudden drops, and `collected`: per bin, recorded collection
    times or None)."""
    n_bins = len(times)
    lens = np.fromiter((len(x) for x in times), int, n_bins)
    t = np.concatenate([np.asarray(x, float) for x in times]) if n_bins else np.empty(0)
    f = np.concatenate([np.asarray(x, float) for x in fills]) if n_bins else np.empty(0)
    b = np.repeat(np.arange(n_bins), lens)
    src = np.flatnonzero(np.isfinite(f) & np.isfinite(t) & (t <= now_s))
    t, f, b = t[src], f[src], b[src]
    same = b[1:] == b[:-1]
    if np.any(same & (t[1:] < t[:-1])):
        order = np.lexsort((t, b))
        t, f, b, src = t[order], f[order], b[order], src[order]
        same = b[1:] == b[:-1]
    dup = np.r_[False, same & (t[1:] == t[:-1])]
    if dup.any():
        t, f, b, src = t[~dup], f[~dup], b[~dup], src[~dup]
    stuck = _stuck(b, t, f)
    coll = np.zeros(len(t), bool)
    coll[~stuck] = _collections(b[~stuck], f[~stuck])
    start = np.searchsorted(b, np.arange(n_bins + 1))
    emptied = np.full(n_bins, -np.inf)
    ev_b, ev_t = _events(collected or [], now_s)
    if len(ev_t):
        # A recorded collection opens a cycle at the next reading, if any.
        t0 = min(t.min(initial=np.inf), ev_t.min())
        span = max(t.max(initial=-np.inf), ev_t.max()) - t0 + 1.0
        key = b * span + (t - t0)
        j = np.searchsorted(key, ev_b * span + (ev_t - t0), side="right")
        inside = j < start[ev_b + 1]
        coll[j[inside]] = True
        np.maximum.at(emptied, ev_b[~inside], ev_t[~inside])
    newbin = np.r_[True, b[1:] != b[:-1]] if len(b) else np.zeros(0, bool)
    seg = np.cumsum(newbin | coll) - 1
    emptied[~np.isfinite(emptied)] = np.nan
    return Points(n_bins, b, t, f, src, stuck, seg, start, emptied)


def _events(collected: list, now_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Recorded collections up to now as flat (bin, time) arrays."""
    arrays = [np.asarray(c if c is not None else [], float) for c in collected]
    ev_b = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays])
    ev_t = np.concatenate(arrays) if arrays else np.empty(0)
    ok = np.isfinite(ev_t) & (ev_t <= now_s)
    return ev_b[ok], ev_t[ok]


def _stuck(b: np.ndarray, t: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Readings repeating the first value of a flat run of >= 12 h.

    A working ultrasonic sensor has ~15 mm of noise, so identical values for half a
    day mean a stuck sensor; runs at 0 or at the 100 % clamp are genuine.
    """
    if not len(f):
        return np.zeros(0, bool)
    eq = np.r_[False, (b[1:] == b[:-1]) & (f[1:] == f[:-1])]
    starts = np.flatnonzero(~eq)
    ends = np.r_[starts[1:], len(f)] - 1
    run = np.cumsum(~eq) - 1
    flat = (ends - starts + 1 >= STUCK_MIN_POINTS) & (
        t[ends] - t[starts] >= STUCK_MIN_H * H
    )
    flat &= (f[starts] > 0.5) & (f[starts] < PLATEAU)
    return flat[run] & eq


def _collections(b: np.ndarray, f: np.ndarray) -> np.ndarray:
    """True where the fill drops suddenly: the first reading after a collection.

    The drop must exceed max(10 points, 30 % of the previous fill) and the next
    reading must confirm it (noise cannot fake two such drops in a row); a bin's
    latest reading has no successor and needs twice the drop.
    """
    prev = np.where(np.r_[False, b[1:] == b[:-1]], _shift(f, 1), np.nan)
    nxt = np.where(np.r_[b[1:] == b[:-1], False], _shift(f, -1), np.nan)
    with np.errstate(invalid="ignore"):
        need = np.maximum(COLLECTION_DROP, 0.3 * prev)
        low = prev - f >= need
        confirmed = low & (prev - nxt >= need)
        alone = np.isnan(nxt) & (prev - f >= np.maximum(2 * need, 0.5 * prev))
    return confirmed | (low & alone)


def local_how(h0: int, h1: int) -> np.ndarray:
    """Local hour of week (Monday 0 h = 0) of the UTC hours h0..h1 since the epoch."""
    idx = pd.to_datetime(np.arange(h0, h1 + 1) * 3600, unit="s", utc=True)
    idx = idx.tz_convert(PARIS)
    return np.asarray(idx.day_of_week * 24 + idx.hour)


def _design() -> np.ndarray:
    hour, dow = np.arange(168) % 24, np.arange(168) // 24
    cols = [np.ones(168)]
    cols += [(hour == k).astype(float) for k in range(1, 24)]
    cols += [(dow == k).astype(float) for k in range(1, 7)]
    return np.column_stack(cols)


def fit_profile(y: np.ndarray, e: np.ndarray) -> np.ndarray | None:
    """Multiplicative hour-of-week profile (mean 1) of fill increments.

    Poisson GLM (log link) of the increments summed per hour-of-week cell on
    hour-of-day + day-of-week effects, exposure = sum of bin rate x duration:
    30 parameters for 168 cells, fitted on aggregates, so it costs milliseconds.
    None when some hour of day or day of week was never observed.
    """
    ok = e > 0
    hour, dow = np.arange(168) % 24, np.arange(168) // 24
    if len(np.unique(hour[ok])) < 24 or len(np.unique(dow[ok])) < 7:
        return None
    # Noise can make a quiet cell's sum negative; a GLM needs a positive mean.
    floor = 0.01 * y[ok].sum() / e[ok].sum()
    yy = np.maximum(y[ok], floor * e[ok])
    fit = sm.GLM(yy, _design()[ok], family=sm.families.Poisson(), exposure=e[ok])
    profile = np.exp(_design() @ fit.fit().params)
    return profile / profile.mean()


def shrink(profile: np.ndarray | None, n: float, prior: np.ndarray) -> np.ndarray:
    """Geometric blend of a profile with its prior, weighted by n increments."""
    if profile is None:
        return prior
    w = n / (n + PROFILE_PRIOR_N)
    out = np.exp(w * np.log(profile) + (1 - w) * np.log(prior))
    return out / out.mean()


def increments(p: Points, max_dt_h: float):
    """Consecutive clean, non-plateau readings of one cycle: (i0, i1, dt in h)."""
    idx = np.flatnonzero(~p.stuck & (p.f < PLATEAU))
    i0, i1 = idx[:-1], idx[1:]
    dt = (p.t[i1] - p.t[i0]) / H
    ok = (p.seg[i0] == p.seg[i1]) & (dt > 0) & (dt <= max_dt_h)
    return i0[ok], i1[ok], dt[ok]


class OperationalClock:
    """Per-kind operational time: hours weighted by the hour-of-week profile.

    With a profile of mean 1, a fill rising at r %/operational hour rises r %/h on
    average over a week, and faster at busy hours. `how`: local hour of week of the
    UTC hours h0, h0 + 1, ...
    """

    def __init__(self, h0: int, how: np.ndarray, profiles: np.ndarray) -> None:
        self.h0 = h0
        self.speed = profiles[:, how]  # (kinds, hours)
        zeros = np.zeros((len(profiles), 1))
        self.cum = np.hstack([zeros, np.cumsum(self.speed, axis=1)])

    def tau(self, t: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Operational hours since the table start of times `t` for kinds `kind`."""
        x = np.asarray(t) / H - self.h0
        j = np.clip(np.floor(x).astype(int), 0, self.speed.shape[1] - 1)
        return self.cum[kind, j] + self.speed[kind, j] * (x - j)


def segment_fit(seg: np.ndarray, x: np.ndarray, y: np.ndarray, n_seg: int):
    """Per-segment least squares of y on x: count, means, Sxx, Sxy."""

    def total(w):
        return np.bincount(seg, weights=w, minlength=n_seg)

    n = np.bincount(seg, minlength=n_seg).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = total(x) / n, total(y) / n
    mx, my = np.nan_to_num(mx), np.nan_to_num(my)
    dx, dy = x - mx[seg], y - my[seg]
    return n, mx, my, total(dx * dx), total(dx * dy)


def etas(now_s: float, grid: np.ndarray, current: np.ndarray, expected: np.ndarray,
         threshold: np.ndarray) -> np.ndarray:  # fmt: skip
    """First time the path (now, current) -> grid points reaches the threshold
    (linear between points); `now` when already there, NaN beyond the grid."""
    path = np.column_stack([current, expected])
    times = np.r_[now_s, grid]
    above = path >= threshold[:, None]
    k = np.argmax(above, axis=1)
    hit = above.any(axis=1)
    k1 = np.maximum(k, 1)
    rows = np.arange(len(path))
    lo, hi = path[rows, k1 - 1], path[rows, k1]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((threshold - lo) / (hi - lo), 0.0, 1.0)
    eta = times[k1 - 1] + frac * (times[k1] - times[k1 - 1])
    eta = np.where(k == 0, now_s, eta)
    return np.where(hit, eta, np.nan)


# -- the fleet model ----------------------------------------------------------
Z80 = 1.2815515655446004  # two-sided 80 % normal quantile
LEVEL_WINDOW_H = 12.0  # the level is the mean of the cycle's last 12 h of readings
MIN_OWN_SPAN_H = 48.0  # less history than this: the bin borrows its group's rate
MIN_HIST_SXX = 300.0  # operational h^2 (a one-day cycle gives about 1,000)
STUCK_RISE = 2.0  # fill points the kind would have risen during a flat run
STALE_H = 24.0
RESIDUAL_PCT = 2.0  # a bin just emptied by a crew, before its sensor says so
DEFAULT_LOG_Q = (np.log(0.5), np.log(1.5))  # rate quantiles when nothing is known


@dataclass
class ModelArrays:
    """Model results, one row per bin in input order (NaN rate: no model)."""

    current: np.ndarray
    rate: np.ndarray
    expected: np.ndarray  # (bins, horizon)
    lower: np.ndarray
    upper: np.ndarray
    pooled: np.ndarray  # the rate was borrowed (too little own history)
    stuck_now: np.ndarray
    stale: np.ndarray


def last_of(idx: np.ndarray, b: np.ndarray, n_bins: int) -> np.ndarray:
    """Per bin, the last of the sorted point indices `idx`, or -1."""
    out = np.full(n_bins, -1)
    if len(idx):
        last = np.r_[b[idx][1:] != b[idx][:-1], True]
        out[b[idx][last]] = idx[last]
    return out


def _kind_profiles(p, kind, rates, h0, how, n_kinds) -> np.ndarray:
    i0, i1, dt = increments(p, PROFILE_MAX_DT_H)
    r = rates[p.b[i0]]
    ok = np.isfinite(r)
    i0, i1, dt, r = i0[ok], i1[ok], dt[ok], r[ok]
    mid = (p.t[i0] + p.t[i1]) / 2
    cell = kind[p.b[i0]] * 168 + how[(mid // H).astype(int) - h0]
    size = n_kinds * 168
    y = np.bincount(cell, p.f[i1] - p.f[i0], size).reshape(n_kinds, 168)
    e = np.bincount(cell, np.maximum(r, 0) * dt, size).reshape(n_kinds, 168)
    n = np.bincount(cell, minlength=size).reshape(n_kinds, 168).sum(axis=1)
    fleet = shrink(fit_profile(y.sum(0), e.sum(0)), n.sum(), np.ones(168))
    kinds = [shrink(fit_profile(y[k], e[k]), n[k], fleet) for k in range(n_kinds)]
    return np.array(kinds)


def _cycle_fits(p: Points, tau: np.ndarray, kp: np.ndarray, n_kinds: int):
    """Least squares of fill on operational time per cycle, refitted once without
    the readings beyond 4 robust sigmas (MAD of the residuals, per kind)."""
    n_seg = int(p.seg[-1]) + 1
    use = np.flatnonzero(~p.stuck & (p.f < PLATEAU))
    sigma = np.ones(n_kinds)
    for trimmed in (False, True):
        g = p.seg[use]
        n, mx, my, sxx, sxy = segment_fit(g, tau[use], p.f[use], n_seg)
        fit = (n >= 3) & (sxx > 0)
        slope = np.where(fit, sxy / np.where(fit, sxx, 1.0), 0.0)
        resid = p.f[use] - my[g] - slope[g] * (tau[use] - mx[g])
        if trimmed:
            return use, resid, (n, sxx, sxy, slope, fit), sigma
        for k in range(n_kinds):
            r = np.abs(resid[fit[g] & (kp[use] == k)])
            sigma[k] = max(1.4826 * float(np.median(r)), 0.3) if len(r) else 1.0
        use = use[np.abs(resid) <= TRIM_SIGMAS * sigma[kp[use]]]
    raise AssertionError  # unreachable


def _quantiles(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups, 2): 10 % and 90 % quantiles of the finite values of each group."""
    ok = np.isfinite(values)
    out = np.tile(np.quantile(values[ok], [0.1, 0.9]) if ok.sum() >= 10
                  else DEFAULT_LOG_Q, (n_groups, 1))  # fmt: skip
    for k in range(n_groups):
        v = values[ok & (groups == k)]
        if len(v) >= 10:
            out[k] = np.quantile(v, [0.1, 0.9])
    return out


def _group_rates(rate, own, kind, commune, n_kinds):
    """Median own rate of the kind in the bin's commune (>= 3 bins), else the kind's
    (else the fleet's); also returns the kind medians."""
    df = pd.DataFrame({"r": rate, "k": kind, "c": commune})[own & (rate > 0)]
    fleet = df["r"].median() if len(df) else np.nan
    by_kind = df.groupby("k")["r"].median().reindex(range(n_kinds)).fillna(fleet)
    by_commune = df.groupby(["k", "c"])["r"].agg(["median", "size"])
    by_commune = by_commune[by_commune["size"] >= 3]["median"]
    keys = pd.MultiIndex.from_arrays([kind, commune])
    local = by_commune.reindex(keys).to_numpy(float)
    kind_rate = by_kind.to_numpy(float)
    return np.where(np.isnan(local), kind_rate[kind], local), kind_rate


def model_fleet(p: Points, kind: np.ndarray, commune: np.ndarray, now_s: float,
                horizon_h: int) -> ModelArrays:  # fmt: skip
    """Fit the pooled profiles and the per-bin rates, then forecast every bin."""
    nb, n_kinds, kp = p.n_bins, int(kind.max(initial=0)) + 1, kind[p.b]
    grid = now_s + H * np.arange(1, horizon_h + 1)
    h0 = int(min(p.t.min(initial=now_s), now_s) // H)
    how = local_how(h0, int(grid[-1] // H) + 2)
    n_seg = int(p.seg[-1]) + 1
    seg_bin = p.b[np.searchsorted(p.seg, np.arange(n_seg))]
    last = p.last
    last_clean = last_of(np.flatnonzero(~p.stuck), p.b, nb)
    emptied = np.isfinite(p.emptied)  # collected since the last reading
    is_cur = np.arange(n_seg) == p.cycle[seg_bin]
    i0, i1, dt = increments(p, RATE_MAX_DT_H)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.bincount(p.b[i0], p.f[i1] - p.f[i0], nb) / np.bincount(
            p.b[i0], dt, nb
        )
    for _ in range(2):  # raw rates weigh the first profile fit, model rates the next
        profiles = _kind_profiles(p, kind, rates, h0, how, n_kinds)
        clock = OperationalClock(h0, how, profiles)
        tau = clock.tau(p.t, kp)
        use, resid, (n, sxx, sxy, slope, fit), sigma = _cycle_fits(p, tau, kp, n_kinds)
        hist, cur = fit & ~is_cur, fit & is_cur
        sxx_h, sxy_h, sxx_c, sxy_c = (
            np.bincount(seg_bin[m], v[m], nb)
            for m, v in ((hist, sxx), (hist, sxy), (cur, sxx), (cur, sxy))
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = (sxy_h + sxy_c) / (sxx_h + sxx_c)
    first = p.start[:-1].clip(max=len(p.t) - 1)
    own = (last >= 0) & ((p.t[last] - p.t[first]) / H >= MIN_OWN_SPAN_H)
    own &= sxx_h + sxx_c > 0
    has_hist = own & (sxx_h >= MIN_HIST_SXX)
    in_fit = fit[p.seg[use]]
    dof = np.bincount(p.b[use][in_fit], minlength=nb) - 2 * np.bincount(
        seg_bin[fit], minlength=nb
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.bincount(p.b[use][in_fit], resid[in_fit] ** 2, nb) / dof
        r_hist = sxy_h / sxx_h
        within = np.log(slope / r_hist[seg_bin])  # a cycle against its bin
        group, kind_rate = _group_rates(rates, own, kind, commune, n_kinds)
        between = np.log(rates / group)  # a bin against its kind and commune
    var = np.where(dof >= 5, var, sigma[kind] ** 2)
    informative = hist & (sxx >= MIN_HIST_SXX)
    q_within = _quantiles(np.where(informative, within, np.nan), kind[seg_bin], n_kinds)
    q_between = _quantiles(np.where(own, between, np.nan), kind, n_kinds)
    q = np.where(has_hist[:, None], q_within[kind], q_between[kind])
    # The current cycle's slope, shrunk towards the prior rate by their precisions.
    prior = np.where(has_hist, r_hist, group)
    sd_log = np.maximum((q[:, 1] - q[:, 0]) / (2 * Z80), 0.03)
    lam = var / (np.maximum(prior, 1e-3) * sd_log) ** 2
    rate = np.maximum((sxy_c + lam * prior) / (sxx_c + lam), 0.0)
    # Level: centroid of the cycle's last 12 h of clean, non-plateau readings
    # (trimmed ones too: a sudden change at the end is news, not an outlier).
    mine = np.flatnonzero(~p.stuck & (p.f < PLATEAU))
    mine = mine[is_cur[p.seg[mine]]]
    ref = last_of(mine, p.b, nb)
    win = mine[p.t[mine] >= p.t[ref[p.b[mine]]] - LEVEL_WINDOW_H * H]
    nw = np.bincount(p.b[win], minlength=nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau_c = np.bincount(p.b[win], tau[win], nb) / nw
        f_c = np.bincount(p.b[win], p.f[win], nb) / nw
    alone = (nw == 0) & (last_clean >= 0)  # e.g. a plateau: start from the last one
    tau_c[alone], f_c[alone] = tau[last_clean[alone]], p.f[last_clean[alone]]
    tau_c[emptied] = clock.tau(p.emptied[emptied], kind[emptied])
    f_c[emptied] = RESIDUAL_PCT
    ks = np.arange(n_kinds)
    d = np.array([clock.tau(grid, np.full(horizon_h, k)) for k in ks])[kind]
    d -= tau_c[:, None]
    noise = Z80 * np.sqrt(var * (1 + 1 / np.maximum(nw, 1)))[:, None]
    run_rise = kind_rate[kind] * (tau[last] - tau[last_clean])
    return ModelArrays(
        current=f_c + rate * (clock.tau(np.full(n_kinds, now_s), ks)[kind] - tau_c),
        rate=rate,
        expected=f_c[:, None] + rate[:, None] * d,
        lower=f_c[:, None] + rate[:, None] * d * np.exp(q[:, :1]) - noise,
        upper=f_c[:, None] + rate[:, None] * d * np.exp(q[:, 1:]) + noise,
        pooled=~own,
        stuck_now=(last >= 0)
        & p.stuck[last]
        & (np.nan_to_num(run_rise) >= STUCK_RISE)
        & ~emptied,
        stale=(last_clean >= 0) & (now_s - p.t[last_clean] > STALE_H * H) & ~emptied,
    )
