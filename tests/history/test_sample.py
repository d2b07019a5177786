"""The shipped sample history, read end to end: every row accounted for, the messy ones found."""

from __future__ import annotations

import pytest
import yaml

from twin.history import load_mapping, read_history, sample_files


@pytest.fixture(scope="module")
def sample(estate_twin: object) -> object:
    log, mapping = sample_files()
    return read_history(log, load_mapping(mapping), twin=estate_twin)  # type: ignore[arg-type]


def test_every_row_of_the_sample_is_used_or_rejected_for_its_planted_fault(sample: object) -> None:
    s = sample.summary  # type: ignore[attr-defined]
    meta = yaml.safe_load(sample_files()[0].with_suffix(".generated.yaml").read_text())  # type: ignore[attr-defined]
    assert s.read == meta["rows_in_the_export"] == 3424
    assert s.read == s.used + sum(s.rejected.values())
    # The four planted faults that cannot be used, and the cancelled duplicate report.
    assert dict(s.rejected) == {
        "excluded": 1,
        "duplicate id": 1,
        "unreadable time": 1,
        "unknown category": 1,
        "unknown place": 1,
    }
    rejected = sample.rejected.set_index("reason")  # type: ignore[attr-defined]
    assert rejected.loc["unknown place", "value"] == "Boiler House"
    assert rejected.loc["unreadable time", "value"].startswith("2025-02-30")


def test_the_swapped_times_are_flagged_and_every_place_is_on_the_twin(sample: object) -> None:
    from twin.history import FLAGS
    from twin.history.read import iter_flags

    incidents = sample.incidents  # type: ignore[attr-defined]
    # Every flag splits back out of its row's text and is one of the documented kinds.
    assert {f.split(":", 1)[0] for flags in incidents["flags"] for f in iter_flags(flags)} <= set(FLAGS)
    swapped = incidents[incidents["flags"].str.contains("on site before reported")]
    assert len(swapped) == 1
    flagged = sample.summary.flagged  # type: ignore[attr-defined]
    assert (flagged["on site before reported"], flagged["dispatched before reported"]) == (1, 1)
    assert (flagged["faster than the walk"], flagged["clocks went back"]) == (87, 1)
    assert list(iter_flags(swapped["flags"].iloc[0]))[:2] == [
        "dispatched before reported: 1 min earlier",
        "on site before reported: 1 min earlier",
    ]
    assert (incidents["node"] >= 0).all()
    assert set(incidents["priority"]) == {"red", "yellow", "blue"}
    assert (incidents["person"] != "").sum() == len(incidents) - incidents["dispatched"].isna().sum()


def test_the_rates_that_made_the_sample_lie_inside_the_calibrated_intervals(
    sample: object, estate_twin: object
) -> None:
    from twin.history.calibrate import calibrate, site_units

    units = site_units(estate_twin, sample.scenario.scenario)  # type: ignore[attr-defined]
    cal = calibrate(sample, units=units)  # type: ignore[arg-type]
    meta = yaml.safe_load(sample_files()[0].with_suffix(".generated.yaml").read_text())
    made = {g["name"]: g for g in meta["generating_rates"].values()}
    fits = {f.name: f for f in cal.fits}
    # Every kind in the log, and no other (power losses and storms did not happen that year).
    assert set(fits) == {name for name, g in made.items() if g["expected_count"] > 0} - {
        "power_loss",
        "storm",
    }
    inside = [name for name, f in fits.items() if f.covers(made[name]["per_year"])]
    # 95 % intervals: 14 of 14 here (about 1 in 20 may miss; 14 of 14 has probability 0.49).
    assert len(inside) == len(fits) == 14
    assert all(f.units == made[f.name]["units"] for f in fits.values())
    # Times on the job, Lilliefors-tested at 1 %: 12 tests would flag about 0.12 by chance; the one
    # flagged (blocked drains, p = 0.009) runs long against the generating 60 / 150 min.
    poor = {name: f.duration for name, f in fits.items() if f.duration is not None and f.duration.poor}
    assert list(poor) == ["blocked drain or sink"]
    assert poor["blocked drain or sink"].median_min == pytest.approx(66, abs=1)
