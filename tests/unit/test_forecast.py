"""Tests of the overflow forecasts (services.forecast) on series with known truth."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bench.forecast import simulate
from services.forecast import (
    BinSeries,
    backtest,
    baseline_forecast,
    detect_collections,
    forecast_fleet,
)
from services.forecast_backtest import COLUMNS

NOW = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)  # a Wednesday, 20:00 in Paris
H = 3600.0
PARIS = ZoneInfo("Europe/Paris")


def sawtooth(level_now, rate=1.5, days=14, period_h=60.0, noise=0.8, seed=0,
             daytime_only=False, bin_id=0, kind="PAV_OM", commune="25388"):  # fmt: skip
    """Hourly readings up to NOW of a bin filling at `rate` %/h (per hour of the
    day, or per daytime hour 7-19 h local), emptied to 2 % every `period_h` h of
    filling, at `level_now` % at NOW."""
    rng = np.random.default_rng(seed)
    t = NOW.timestamp() - H * np.arange(days * 24)[::-1]
    hours = np.array([datetime.fromtimestamp(x, PARIS).hour for x in t])
    active = ((hours >= 7) & (hours < 19)) if daytime_only else np.ones(len(t), bool)
    filled = np.cumsum(active[::-1])[::-1] - active[-1]  # active hours before NOW
    age = ((level_now - 2) / rate - filled) % period_h
    fills = 2 + rate * age + rng.normal(0, noise, len(t))
    fills = np.clip(fills, 0, 100).round(1)  # stored fills: overflow reads 100
    return BinSeries(bin_id, kind, commune, t, fills)


def fleet(n=8, **kwargs):
    return [
        sawtooth(level_now=10 + 9 * i, seed=i, bin_id=i, **kwargs) for i in range(n)
    ]


def hours_after_now(when: datetime | None) -> float:
    assert when is not None
    return (when - NOW).total_seconds() / H


def test_linear_fill_with_noise_gives_its_rate_and_the_eta_within_2h_at_24h():
    target = sawtooth(level_now=64, bin_id=99)
    (forecast,) = forecast_fleet([*fleet(), target], NOW)[-1:]
    assert forecast.method == "modele"
    assert forecast.rate_pct_per_h == pytest.approx(1.5, rel=0.05)
    assert forecast.current_fill == pytest.approx(64, abs=1.0)
    assert hours_after_now(forecast.overflow_eta) == pytest.approx(24, abs=2)
    assert hours_after_now(forecast.alert_eta) == pytest.approx(16 / 1.5, abs=2)
    assert len(forecast.times) == len(forecast.expected) == 72
    assert forecast.times[0] == NOW + timedelta(hours=1)


def test_expected_fill_goes_on_past_100_and_the_interval_widens():
    (forecast,) = forecast_fleet([*fleet(), sawtooth(90, bin_id=99)], NOW)[-1:]
    assert forecast.expected[-1] > 150
    width = np.subtract(forecast.upper, forecast.lower)
    assert np.all(np.diff(width) >= 0) and width[-1] > width[0]
    assert np.all(np.array(forecast.lower) <= forecast.expected)
    assert np.all(np.array(forecast.upper) >= forecast.expected)


def test_collections_are_found_at_the_first_reading_after_each_drop():
    s = sawtooth(level_now=30, period_h=40, noise=3.0, days=30, seed=3)
    fills = s.fills.copy()
    fills[::17] = np.nan  # 9999 errors, one of them just before a drop
    found = detect_collections(s.times, fills)
    truth = np.flatnonzero(np.diff(s.fills) < -50) + 1
    truth += np.isnan(fills[truth])  # an error reading: the next one shows the drop
    assert len(truth) >= 15
    assert found.tolist() == truth.tolist()


def test_a_drop_at_the_latest_reading_counts_as_a_collection():
    s = sawtooth(level_now=2, period_h=40, noise=0.5, days=5)
    assert detect_collections(s.times, s.fills)[-1] == len(s.times) - 1


def test_errors_and_a_two_day_gap_leave_the_forecast_finite_and_on_time():
    s = sawtooth(level_now=64, bin_id=99, seed=5)
    fills = s.fills.copy()
    fills[::7] = np.nan
    keep = np.ones(len(fills), bool)
    keep[-100:-52] = False  # silent sensor for 48 h, back 2 days ago
    gappy = BinSeries(99, s.kind, s.commune_insee, s.times[keep], fills[keep])
    (forecast,) = forecast_fleet([*fleet(), gappy], NOW)[-1:]
    assert np.isfinite(forecast.expected + forecast.lower + forecast.upper).all()
    assert hours_after_now(forecast.overflow_eta) == pytest.approx(24, abs=2)


def test_a_brand_new_bin_borrows_the_rate_of_its_kind_in_its_commune():
    here = fleet(rate=1.0)
    elsewhere = [
        sawtooth(10 + 20 * i, 3.0, period_h=30, seed=i, bin_id=50 + i, commune="25031")
        for i in range(4)
    ]
    new = BinSeries(99, "PAV_OM", "25031", np.array([NOW.timestamp() - 600]),
                    np.array([40.0]))  # fmt: skip
    (forecast,) = forecast_fleet([*here, *elsewhere, new], NOW)[-1:]
    assert forecast.method == "modele_pooled"
    assert forecast.rate_pct_per_h == pytest.approx(3.0, rel=0.1)
    assert hours_after_now(forecast.overflow_eta) == pytest.approx(20, abs=2)


def test_a_constant_series_is_flagged_stuck_and_still_reaches_overflow():
    t = NOW.timestamp() - H * np.arange(5 * 24)[::-1]
    stuck = BinSeries(99, "PAV_OM", "25388", t, np.full(len(t), 35.0))
    (forecast,) = forecast_fleet([*fleet(), stuck], NOW)[-1:]
    assert "capteur_bloque" in forecast.flags
    assert forecast.method == "modele_pooled"
    assert forecast.rate_pct_per_h == pytest.approx(1.5, rel=0.1)
    assert forecast.overflow_eta is not None


def test_a_sensor_stuck_for_the_last_day_keeps_its_rate_and_is_flagged():
    s = sawtooth(level_now=64, bin_id=99)
    fills = s.fills.copy()
    fills[-20:] = fills[-21]  # the same distance for the last 20 h
    stuck = BinSeries(99, s.kind, s.commune_insee, s.times, fills)
    (forecast,) = forecast_fleet([*fleet(), stuck], NOW)[-1:]
    assert forecast.flags == ("capteur_bloque",)
    assert forecast.rate_pct_per_h == pytest.approx(1.5, rel=0.05)
    assert forecast.current_fill == pytest.approx(64, abs=2)
    assert baseline_forecast(stuck, NOW).rate_pct_per_h < 1.2  # what it avoids


def test_a_bin_already_above_the_thresholds_has_its_etas_now():
    forecasts = forecast_fleet([*fleet(), sawtooth(level_now=85, period_h=200)], NOW,
                               {"PAV_OM": 80.0})  # fmt: skip
    assert forecasts[-1].alert_eta == NOW
    overflowing = sawtooth(level_now=130, period_h=200, days=10, bin_id=98)
    (forecast,) = forecast_fleet([*fleet(), overflowing], NOW)[-1:]
    assert forecast.overflow_eta == NOW
    assert forecast.current_fill > 100


def test_the_alert_threshold_is_read_per_kind():
    series = [*fleet(), sawtooth(level_now=50, bin_id=99)]
    low, high = (
        forecast_fleet(series, NOW, {"PAV_OM": thr})[-1].alert_eta for thr in (60, 90)
    )
    assert hours_after_now(low) == pytest.approx(10 / 1.5, abs=1.5)
    assert hours_after_now(high) == pytest.approx(40 / 1.5, abs=2)


def test_daytime_filling_seen_in_the_evening_waits_for_the_morning():
    # Fills 3 %/h from 7 to 19 h only: at 20 h and 85 %, overflow comes at
    # 7 h + 5 h = 12 h local tomorrow (16 h from now), not 10 h from now as
    # the mean rate of 1.5 %/h would say.
    day = {"rate": 3.0, "period_h": 30, "daytime_only": True, "days": 21}
    series = [sawtooth(5 + 7 * i, seed=i, bin_id=i, **day) for i in range(12)]
    series.append(sawtooth(85, bin_id=99, **day))
    (forecast,) = forecast_fleet(series, NOW)[-1:]
    eta = hours_after_now(forecast.overflow_eta)
    rate_only = (100 - forecast.current_fill) / forecast.rate_pct_per_h
    assert eta == pytest.approx(16, abs=1.5)
    assert eta > rate_only + 4


def test_readings_after_now_are_ignored():
    series = fleet()
    later = NOW + timedelta(days=1)
    cut = [BinSeries(s.bin_id, s.kind, s.commune_insee, s.times[:-24], s.fills[:-24])
           for s in series]  # fmt: skip
    before = NOW - timedelta(days=1)
    full, truncated = forecast_fleet(series, before), forecast_fleet(cut, before)
    assert [f.expected for f in full] == [f.expected for f in truncated]
    assert forecast_fleet(series, later)[0].generated_at == later


def test_a_bin_without_valid_readings_gets_no_data():
    empty = BinSeries(99, "PAV_OM", "25388", np.array([NOW.timestamp()]),
                      np.array([np.nan]))  # fmt: skip
    (forecast,) = forecast_fleet([*fleet(), empty], NOW)[-1:]
    assert (forecast.method, forecast.current_fill, forecast.overflow_eta) == (
        "no_data",
        None,
        None,
    )
    assert forecast.times == forecast.expected == forecast.lower == []
    assert forecast_fleet([], NOW) == []


def test_baseline_extrapolates_the_slope_since_the_last_collection():
    forecast = baseline_forecast(sawtooth(level_now=64, noise=0.3), NOW)
    assert forecast.method == "baseline"
    assert forecast.rate_pct_per_h == pytest.approx(1.5, rel=0.05)
    assert hours_after_now(forecast.overflow_eta) == pytest.approx(24, abs=1.5)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError):
        forecast_fleet(fleet(), NOW.replace(tzinfo=None))


def test_backtest_reports_both_methods_by_kind_and_horizon():
    series = fleet(n=10, days=21) + fleet(n=6, days=21, kind="CORBEILLE", rate=3.0)
    table = backtest(series, horizons_h=(12, 24, 48), origins_per_bin=4)
    assert list(table.columns) == COLUMNS
    assert set(table["kind"]) == {"TOUS", "PAV_OM", "CORBEILLE"}
    assert set(table["method"]) == {"modele", "baseline"}
    assert set(table["horizon_h"]) == {12, 24, 48}
    everything = table[(table["kind"] == "TOUS") & (table["horizon_h"] == 24)]
    assert (everything["n"] > 0).all()
    assert everything["mae_h"].notna().all()
    assert everything.set_index("method").loc["modele", "mae_h"] < 1.5
    assert everything["coverage"].between(0.5, 1).all()
    assert len(table.attrs["origins"]) == 4


def test_backtest_on_the_simulator_model_beats_baseline_by_30_percent_at_24h():
    series, _ = simulate(150, 21, seed=3)
    table = backtest(series, origins_per_bin=6, target="alert")
    row = table[(table["kind"] == "TOUS") & (table["horizon_h"] == 24)]
    model, base = (row[row["method"] == m].iloc[0] for m in ("modele", "baseline"))
    assert model["n"] >= 50
    assert model["mae_h"] <= 0.7 * base["mae_h"]
    assert 0.7 <= model["coverage"] <= 0.95


def test_a_collection_recorded_after_the_last_reading_empties_the_bin():
    s = sawtooth(level_now=90, bin_id=99)
    collected = BinSeries(99, s.kind, s.commune_insee, s.times[:-1], s.fills[:-1],
                          collected_at=np.array([NOW.timestamp() - 1800]))  # fmt: skip
    (forecast,) = forecast_fleet([*fleet(), collected], NOW)[-1:]
    assert forecast.method == "modele"
    assert forecast.current_fill == pytest.approx(2.75, abs=1)
    assert forecast.rate_pct_per_h == pytest.approx(1.5, rel=0.05)
    assert hours_after_now(forecast.overflow_eta) == pytest.approx(97.25 / 1.5, abs=3)
    assert baseline_forecast(collected, NOW).current_fill == pytest.approx(2)
