"""Calibrating rates from hand-made histories whose answers a person can check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from twin.background.rates import load_rates, scenario_rates
from twin.history import HistoryError, parse_mapping, read_history
from twin.history.calibrate import calibrate, rates_yaml
from twin.scenario import load_scenario

MAP = """\
timezone: Europe/London
columns: {id: id, reported: reported, arrived: on_site, resolved: resolved, category: category, priority: priority}
categories:
  tap: {kind: work_order, name: leaking tap or WC, trade: plumber, per: site}
  nine: {kind: work_order, name: nine o'clock check, trade: general, per: site, channel: sensor}
  ring: {kind: work_order, name: doorbell round, trade: general, per: site, channel: sensor}
  burst: {kind: pipe_burst}
"""


def history(tmp_path: Path, rows: list[str]) -> object:
    log = tmp_path / "log.csv"
    log.write_text("id,reported,on_site,resolved,category,priority\n" + "\n".join(rows) + "\n")
    (tmp_path / "map.yaml").write_text(MAP)
    return read_history(log, parse_mapping(MAP, source=tmp_path / "map.yaml"))


def every_day(
    category: str, hour: int, *, days: int = 365, minutes: float = 45.0, prefix: str = ""
) -> list[str]:
    """One work order a day from 1 January 2026 at HOUR:10, on site 5 min later, MINUTES on the job."""
    start = dt.datetime(2026, 1, 1, hour, 10)
    out = []
    for d in range(days):
        t = start + dt.timedelta(days=d)
        done = t + dt.timedelta(minutes=5 + minutes)
        out.append(
            f"{prefix}{category}{d},{t:%Y-%m-%d %H:%M},{t + dt.timedelta(minutes=5):%Y-%m-%d %H:%M},{done:%Y-%m-%d %H:%M},{category},blue"
        )
    return out


def test_one_job_a_day_at_nine_gives_365_a_year_all_in_the_nine_o_clock_hour(tmp_path: Path) -> None:
    cal = calibrate(history(tmp_path, every_day("nine", 9)))  # type: ignore[arg-type]
    (fit,) = cal.fits
    assert fit.rows == 365 and cal.years == pytest.approx(1.0)
    # Every hour but 09:00-10:00 is empty: the day profile is the log's own, 24 at nine, 0 elsewhere…
    assert fit.day_calibrated and fit.day_p < 1e-10
    assert cal.days[fit.day] == [24.0 if h == 9 else 0.0 for h in range(24)]
    # …one a day in every month is the flat season, which is kept (months' lengths accounted for).
    assert not fit.season_calibrated and fit.season == "flat" and fit.season_p > 0.99
    assert fit.per_year == pytest.approx(365.0)
    # The rate's hours are in the site's zone: 09:10 BST in July is still the nine o'clock hour.
    assert fit.duration is not None and fit.duration.median_min == pytest.approx(45.0)


def test_the_interval_on_ten_events_in_a_year_is_the_exact_poisson_one(tmp_path: Path) -> None:
    rows = every_day("nine", 9)[::37][:10]  # 10 events spread over the year
    cal = calibrate(history(tmp_path, rows), start=dt.datetime(2026, 1, 1), end=dt.datetime(2027, 1, 1))  # type: ignore[arg-type]
    (fit,) = cal.fits
    # Garwood's interval for a count of 10 (tables: 4.795 to 18.39), over one site-year.
    assert (fit.low, fit.high) == (pytest.approx(4.7954, abs=1e-4), pytest.approx(18.3904, abs=1e-4))
    assert fit.estimate == pytest.approx(10.0)
    assert fit.covers(5.0) and not fit.covers(20.0)


def test_a_kind_with_too_few_rows_keeps_its_default_rate_and_says_so(tmp_path: Path) -> None:
    rows = [
        f"b{i},2026-0{i + 1}-03 10:00,2026-0{i + 1}-03 10:20,2026-0{i + 1}-03 12:00,burst,red"
        for i in range(3)
    ]
    cal = calibrate(
        history(tmp_path, rows),  # type: ignore[arg-type]
        units={"household": 810, "site": 1},
        start=dt.datetime(2026, 1, 1),
        end=dt.datetime(2027, 1, 1),
    )
    (fit,) = cal.fits
    assert fit.rows == 3 and fit.per_year == fit.default == 0.006
    assert fit.estimate == pytest.approx(3 / 810, rel=0.01)
    assert "rate kept at the default 0.006: 3 rows (fewer than 10)" in fit.notes
    assert cal.rates.hazards["pipe_burst"].per_year == 0.006  # type: ignore[union-attr]


def test_months_the_log_does_not_cover_are_named_and_the_default_season_kept(tmp_path: Path) -> None:
    cal = calibrate(history(tmp_path, every_day("tap", 19, days=181)))  # type: ignore[arg-type]
    assert cal.months_missing == (6, 7, 8, 9, 10, 11)
    assert any("months the log does not cover: Jul, Aug, Sep, Oct, Nov, Dec" in n for n in cal.notes)
    (fit,) = cal.fits
    assert fit.season == "flat" and not fit.season_calibrated
    assert fit.per_year == pytest.approx(365.0, rel=1e-3)  # 181 jobs in 181 days: one a day


def test_a_bimodal_time_on_the_job_is_called_a_poor_lognormal_fit(tmp_path: Path) -> None:
    rows = every_day("tap", 10, days=60, minutes=10) + every_day("tap", 15, days=60, minutes=300, prefix="x")
    cal = calibrate(history(tmp_path, rows))  # type: ignore[arg-type]
    (fit,) = cal.fits
    assert fit.rows == 120
    assert fit.duration is not None and fit.duration.poor
    assert "fits poorly" in fit.duration.line()


def test_the_written_file_loads_as_a_scenario_s_background_rates(tmp_path: Path) -> None:
    cal = calibrate(history(tmp_path, every_day("nine", 9) + every_day("tap", 19)))  # type: ignore[arg-type]
    out = tmp_path / "rates.yaml"
    out.write_text(rates_yaml(cal, log_name="log.csv"))
    loaded = load_rates(out)
    by_name = {w.name: w for w in loaded.work_orders}
    assert by_name["nine o'clock check"].per_year == pytest.approx(365.0)
    assert by_name["leaking tap or WC"].per == "site"
    assert any(w.schedule is not None for w in loaded.work_orders)  # planned work kept
    roster = Path(__file__).resolve().parents[2] / "scenarios" / "estate_roster.yaml"
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(roster.read_text().replace("background: {}", "background: {rates: rates.yaml}"))
    rates = scenario_rates(load_scenario(scenario).scenario)
    assert rates is not None and rates == loaded


def test_a_log_with_no_usable_row_is_one_clear_error(tmp_path: Path) -> None:
    from twin.history import HistoryError

    bad = history(tmp_path, ["x1,soon,,,tap,blue"])
    with pytest.raises(
        HistoryError, match=r"no work order could be used \(1 unreadable time\); nothing to calibrate"
    ):
        calibrate(bad)  # type: ignore[arg-type]


def test_rates_too_small_to_test_alone_share_a_profile_when_together_they_differ(tmp_path: Path) -> None:
    # Two kinds of 150 jobs each (under the 240 a day profile needs), all at nine o'clock, over
    # 150 days: alone neither is tested; pooled, 300 jobs at one hour are not the flat default.
    rows = every_day("nine", 9, days=150) + every_day("ring", 9, days=150)
    cal = calibrate(history(tmp_path, rows))  # type: ignore[arg-type]
    assert len(cal.fits) == 2
    for fit in cal.fits:
        assert fit.day == "log_flat" and fit.day_calibrated
        assert fit.per_year == pytest.approx(365.0)  # 150 jobs in 150 days, every one at nine
    assert cal.days["log_flat"] == [24.0 if h == 9 else 0.0 for h in range(24)]
    assert any(n.startswith("2 rates with too few rows each share the day 'flat'") for n in cal.notes)


def test_a_report_counts_at_when_it_happened_its_channel_s_mean_delay_earlier(tmp_path: Path) -> None:
    # Reported by phone at 09:05 every day; the phone's delay averages 12 min (triangular 3, 8,
    # 25 min), so each happened at about 08:53: the eight o'clock hour.
    rows = [r.replace(" 09:10", " 09:05", 1) for r in every_day("tap", 9)]
    cal = calibrate(history(tmp_path, rows))  # type: ignore[arg-type]
    (fit,) = cal.fits
    assert cal.days[fit.day] == [24.0 if h == 8 else 0.0 for h in range(24)]


def test_a_category_without_per_counts_what_the_default_rate_of_its_name_counts(tmp_path: Path) -> None:
    text = MAP.replace(
        "name: leaking tap or WC, trade: plumber, per: site", "name: leaking tap or WC, trade: plumber"
    )
    log = tmp_path / "log.csv"
    log.write_text(
        "id,reported,on_site,resolved,category,priority\n" + "\n".join(every_day("tap", 19)) + "\n"
    )
    cal = calibrate(read_history(log, parse_mapping(text)), units={"household": 365, "site": 1})
    (fit,) = cal.fits
    assert (fit.per, fit.units) == ("household", 365)
    assert fit.estimate == pytest.approx(1.0, rel=0.01)  # 365 a year over 365 households


def test_a_period_reaching_far_past_the_log_is_refused_and_a_quiet_spell_is_not(tmp_path: Path) -> None:
    """21 daily reports (1–21 January, one a day: 20 gaps over 20 days, 1 a day). Ended 13 whole
    days after the last report, the period's empty end has the Poisson chance e^-13 = 2.3e-6 of
    a quiet spell: kept. 14 days: e^-14 = 8.3e-7, under 1e-6: the export does not hold them, and
    counting over them would give too low a rate."""
    log = history(tmp_path, every_day("tap", 10, days=21))
    start = dt.datetime(2026, 1, 1)
    quiet = calibrate(log, start=start, end=dt.datetime(2026, 2, 4))  # type: ignore[arg-type]
    (fit,) = quiet.fits
    assert fit.rows == 21 and quiet.years == pytest.approx(34 / 365)
    with pytest.raises(HistoryError) as refused:
        calibrate(log, start=start, end=dt.datetime(2026, 2, 5))  # type: ignore[arg-type]
    message = str(refused.value)
    assert "ends 14 days beyond the log's reports" in message and "chance of 8e-07" in message
    assert message.endswith("export those days too, or give --to 2026-01-21")
    with pytest.raises(HistoryError, match=r"starts 31 days beyond .* give --from 2026-01-01"):
        calibrate(log, start=dt.datetime(2025, 12, 1), end=dt.datetime(2026, 1, 22))  # type: ignore[arg-type]


def test_a_period_holding_no_report_of_the_log_is_refused_naming_where_the_log_runs(tmp_path: Path) -> None:
    log = history(tmp_path, every_day("tap", 10, days=21))
    with pytest.raises(
        HistoryError, match="no work order was reported in the period 2025-01-01 to 2025-12-31"
    ):
        calibrate(log, start=dt.datetime(2025, 1, 1), end=dt.datetime(2026, 1, 1))  # type: ignore[arg-type]
