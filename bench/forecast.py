"""Forecast bench: a full fleet refresh, the backtest, and a per-bin Holt loop.

For each fleet size (30 days of hourly readings from the simulator; generating
them is not timed), prints:
- the wall time of a full `forecast_fleet` refresh (best of --repeat) and series/s;
- the backtest: overflow-time MAE in hours at 12/24/48 h, model against the
  linear baseline, and the coverage of the 80 % interval;
- a plain per-bin loop of statsmodels `ExponentialSmoothing` (Holt, additive
  trend) fits on each bin's current cycle, timed on a sample (--holt-sample bins)
  and extrapolated to the fleet, with its overflow-time MAE at 24 h on that
  sample next to the model's and the baseline's.

Run from the repository root:

    python -m bench.forecast --bins 1500,10000 --days 30

It prints figures; it asserts nothing. See docs/PERFORMANCE.md ("Forecasts").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday: the history ends in November
AIM_REFRESH_S, AIM_GAIN = 20.0, 0.30  # the aims (10,000 bins; MAE at 24 h)


def simulate(n_bins: int, days: int, seed: int):
    """The demo fleet's series as the database would store them, and their end."""
    from services.fleet import communes_from_geojson, generate_demo_fleet
    from services.forecast import BinSeries
    from services.simulator import FleetSimulator

    geojson = json.loads((ROOT / "db/data/pma_communes.geojson").read_text())
    communes = communes_from_geojson(geojson)
    bins = generate_demo_fleet(communes, n_bins)
    sim = FleetSimulator(bins, {c.insee: c.population for c in communes}, seed=seed)
    index = {b.dev_eui: i for i, b in enumerate(bins)}
    rows: list[list[tuple[float, int]]] = [[] for _ in bins]
    end = START + timedelta(days=days)
    for batch in sim.history(START, end):
        for r in batch:
            rows[index[r.dev_eui]].append((r.measured_at.timestamp(), r.distance_mm))
    series = []
    for i, b in enumerate(bins):
        t, d = np.array(rows[i], float).reshape(-1, 2).T
        span = b.empty_distance_mm - b.full_distance_mm
        fill = np.clip((b.empty_distance_mm - d) / span * 100, 0, 100).round(1)
        fill[d == 9999] = np.nan
        series.append(BinSeries(i, b.kind, b.commune_insee, t, fill))
    return series, end


def holt_eta(s, now_s: float, horizon_h: int = 72) -> float:
    """Overflow ETA (epoch s, NaN beyond the horizon) of a Holt fit on the cycle."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    from services.forecast import detect_collections

    past = s.times <= now_s
    t, f = s.times[past], s.fills[past]
    cuts = detect_collections(t, f)
    first = cuts[-1] if len(cuts) else 0
    ok = np.isfinite(f[first:])
    t, f = t[first:][ok], f[first:][ok]
    if len(t) < 6:
        return np.nan
    grid = np.arange(t[0], t[-1] + 1, 3600.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short cycles
        fit = ExponentialSmoothing(
            np.interp(grid, t, f), trend="add", initialization_method="estimated"
        ).fit()
        path = fit.forecast(horizon_h + int((now_s - grid[-1]) // 3600) + 1)
    times = grid[-1] + 3600.0 * np.arange(1, len(path) + 1)
    hit = np.flatnonzero((path >= 100) & (times > now_s))
    if f[-1] >= 100:
        return now_s
    if not len(hit) or times[hit[0]] > now_s + horizon_h * 3600:
        return np.nan
    return float(max(times[hit[0]], now_s))


def bench_size(n_bins: int, args) -> None:
    from services.forecast import backtest, fleet_arrays, forecast_fleet
    from services.forecast_backtest import Truth, origin_times
    from services.forecast_model import prepare

    started = time.perf_counter()
    series, end = simulate(n_bins, args.days, args.seed)
    readings = sum(len(s.times) for s in series)
    print(
        f"\n== {n_bins:,} bins x {args.days} days: {readings:,} readings "
        f"(simulated in {time.perf_counter() - started:.0f} s, not timed) =="
    )
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        forecasts = forecast_fleet(series, end)
        times.append(time.perf_counter() - t0)
    best = min(times)
    methods = {
        m: sum(f.method == m for f in forecasts)
        for m in ("modele", "modele_pooled", "baseline", "no_data")
    }
    print(
        f"forecast_fleet refresh: {best:.2f} s (best of {args.repeat}; all: "
        f"{', '.join(f'{x:.2f}' for x in times)}) = {n_bins / best:,.0f} series/s; "
        f"methods {methods}"
    )

    t0 = time.perf_counter()
    table = backtest(series, origins_per_bin=args.origins, target=args.target)
    print(
        f"backtest ({args.origins} origins, {time.perf_counter() - t0:.1f} s), "
        f"target {table['target'].iloc[0]}, true crossings within 24 h: "
        f"{table.attrs['events_within_24h']}"
    )
    print(
        f"  {'kind':<15}{'h':>4}{'n':>6}{'MAE model':>11}{'MAE base':>10}"
        f"{'gain':>7}{'cov model':>11}{'cov base':>10}"
    )
    for (kind, h), g in table.groupby(["kind", "horizon_h"], sort=False):
        m, b = (g[g["method"] == x].iloc[0] for x in ("modele", "baseline"))
        gain = 1 - m["mae_h"] / b["mae_h"] if b["mae_h"] else np.nan
        print(
            f"  {kind:<15}{h:>4}{m['n']:>6}{m['mae_h']:>11.2f}{b['mae_h']:>10.2f}"
            f"{gain:>7.0%}{m['coverage']:>11.2f}{b['coverage']:>10.2f}"
        )

    rng = np.random.default_rng(args.seed)
    sample = rng.choice(n_bins, min(args.holt_sample, n_bins), replace=False)
    t0 = time.perf_counter()
    for i in sample:
        holt_eta(series[i], end.timestamp())
    per_bin = (time.perf_counter() - t0) / len(sample)
    print(
        f"Holt per-bin loop: {len(sample)} bins in {per_bin * len(sample):.1f} s = "
        f"{per_bin * 1000:.1f} ms/bin -> {n_bins:,} bins: {per_bin * n_bins:.0f} s "
        "(extrapolated from the sample)"
    )

    # Accuracy on the same sample: overflow ETA at 24 h, same origins and truth.
    full = prepare([s.times for s in series], [s.fills for s in series], np.inf)
    truth, errors = Truth(full), {"Holt": [], "modele": [], "baseline": []}
    for o in origin_times(full, args.origins, 48):
        cross = truth.crossing(o, np.full(n_bins, 100.0))[sample]
        lead = (cross - o) / 3600
        keep = lead <= 24
        arrays = fleet_arrays(series, o, np.full(n_bins, 80.0))
        etas = {
            "Holt": np.array([holt_eta(series[i], o) for i in sample]),
            "modele": arrays.model.overflow_eta[sample],
            "baseline": arrays.baseline.overflow_eta[sample],
        }
        for name, eta in etas.items():
            eta = np.where(np.isnan(eta), o + 72 * 3600, eta)
            errors[name].extend(np.abs(eta - cross)[keep] / 3600)
    print(
        "  overflow-time MAE at 24 h on the sample (n="
        f"{len(errors['Holt'])}): "
        + ", ".join(f"{k} {np.mean(v):.2f} h" for k, v in errors.items() if v)
    )


def machine() -> list[tuple[str, str]]:
    import numpy
    import pandas
    import statsmodels

    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return [
        ("CPUs (nproc)", str(len(os.sched_getaffinity(0)))),
        ("CPU model", model),
        ("Python", platform.python_version()),
        ("numpy/pandas", f"{numpy.__version__} / {pandas.__version__}"),
        ("statsmodels", statsmodels.__version__),
        ("load average", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bins", default="1500,10000", help="comma-separated sizes")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed refreshes")
    parser.add_argument("--origins", type=int, default=4, help="backtest origins")
    parser.add_argument(
        "--target", choices=("auto", "overflow", "alert"), default="overflow"
    )
    parser.add_argument("--holt-sample", type=int, default=300)
    args = parser.parse_args(argv)
    args.sizes = [int(x) for x in args.bins.split(",") if x.strip()]
    if not args.sizes or min(args.sizes) < 1 or args.days < 3 or args.repeat < 1:
        parser.error("--bins must be positive sizes, --days >= 3, --repeat >= 1")
    return args


def main(argv=None) -> int:
    if str(ROOT) not in sys.path:  # `python bench/forecast.py` works too
        sys.path.insert(0, str(ROOT))
    args = parse_args(argv)
    print("== machine ==")
    for name, value in machine():
        print(f"  {name:<14} {value}")
    print(
        f"  aims: 10,000 bins in < {AIM_REFRESH_S:.0f} s; MAE at 24 h at least "
        f"{AIM_GAIN:.0%} below the baseline"
    )
    for n_bins in args.sizes:
        bench_size(n_bins, args)
    loads = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end: {loads} (1/5/15 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
