"""twin report: a self-contained after-action report, and the replay helpers it is drawn from."""

from __future__ import annotations

import math
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.event_frames import frame as _frame
from twin.cli import main
from twin.model import BuildingModel, Storey
from twin.present.report import (
    ReportError,
    check_model,
    depths_at,
    key_moments,
    lifts_out_at,
    positions_at,
    storey_at,
    task_bars,
)
from twin.store import read_run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The demo drill's run folder, its report, and the report's text."""
    root = tmp_path_factory.mktemp("report")
    run_dir, html = root / "run", root / "report.html"
    assert main(["run", "--out", str(run_dir)]) == 0
    assert main(["report", str(run_dir), "--out", str(html)]) == 0
    return run_dir, html, html.read_text(encoding="utf-8")


class _Refs(HTMLParser):
    """Every URL the page would fetch: script/img/iframe src, link href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts_with_src = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts_with_src += 1
        for key in ("src", "href") if tag in ("script", "img", "iframe", "link", "source") else ():
            if a.get(key):
                self.urls.append(str(a[key]))


def test_the_report_is_one_html_file_that_needs_no_network(demo):
    _, _, text = demo
    refs = _Refs()
    refs.feed(text)
    assert refs.scripts_with_src == 0
    assert not [u for u in refs.urls if u.startswith(("http://", "https://", "//"))]
    assert text.count("* plotly.js v") == 1, "plotly.js is inlined exactly once"
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")


def test_the_report_holds_the_scorecard_the_people_and_plans_at_key_moments(demo):
    _, _, text = demo
    assert "Burst at Riser B L14" in text
    assert "Night-shift riser burst, tower B L14" in text and "seed <b>7</b>" in text
    for person in ("N-SEC1", "N-PLB", "N-SEC2"):
        assert person in text
    assert text.count('id="fig-plan-') >= 3
    assert 'id="fig-timeline"' in text
    # The drill in 3D, offline like the rest (the no-network test covers the whole page).
    assert 'id="fig-replay3d"' in text and '"type":"scatter3d"' in text.replace(": ", ":")
    assert "First report" in text and "Made safe" in text and "End of the drill" in text


def test_the_event_log_leaves_out_move_rows_and_says_how_many(demo):
    run_dir, _, text = demo
    frame = read_run(run_dir).log.frame
    moves = int((frame["kind"] == "move").sum())
    assert moves > 0
    assert f"{len(frame) - moves} of {len(frame)} events. Left out: {moves} “move” rows" in text
    log_table = text[text.index('id="log"'):text.index("What the kinds of event mean")]
    assert "<td>move</td>" not in log_table and "<td>depth</td>" in log_table


def test_an_existing_report_is_kept_unless_forced(demo, tmp_path, capsys):
    run_dir, _, _ = demo
    out = tmp_path / "r.html"
    out.write_text("keep me", encoding="utf-8")
    assert main(["report", str(run_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{out}: already exists; pass --force" in err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert main(["report", str(run_dir), "--out", str(out), "--force"]) == 0
    assert "Burst at Riser B L14" in out.read_text(encoding="utf-8")


def test_a_folder_that_is_not_a_run_is_refused_with_the_fix(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a run folder (missing events.parquet" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html")]) == 2
    assert "nope: no such folder; give a run folder written by 'twin run --out'" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_an_out_that_cannot_be_written_is_refused_before_any_work(demo, tmp_path, capsys):
    run_dir, _, _ = demo
    assert main(["report", str(run_dir), "--out", str(tmp_path / "no" / "r.html")]) == 2
    assert "does not exist; create it or choose another --out" in capsys.readouterr().err
    assert main(["report", str(run_dir), "--out", str(tmp_path)]) == 2
    assert "is a folder; give a file name" in capsys.readouterr().err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_refused(demo, tmp_path, capsys):
    run_dir, _, _ = demo
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert main(["report", str(run_dir), "--out", str(locked / "r.html")]) == 2
        assert "is not writable; choose another --out" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_a_run_made_on_another_building_is_refused(demo):
    run_dir, _, _ = demo
    run = read_run(run_dir)
    run.metadata["model"] = [{"name": "other.ifc", "sha256": "0" * 64}]
    from twin.twin import load_twin

    with pytest.raises(ReportError, match=r"made on other.ifc .* name the run's model files after RUN_DIR"):
        check_model(run, load_twin(None))


def test_key_moments_of_the_demo_are_report_on_site_made_safe_and_end(demo):
    run_dir, _, _ = demo
    run = read_run(run_dir)
    frame = run.log.frame
    moments = key_moments(frame, end_s=run.scenario.duration_s)
    titles = [m.title.split(":")[0].split(" — ")[0] for m in moments]
    assert titles == ["First report", "First person on site", "Made safe", "End of the drill"]
    reported = frame.loc[frame["kind"] == "reported", "t_s"].min()
    assert moments[0].t_s == reported and moments[0].z == pytest.approx(43.5)  # riser B L14
    assert moments[1].z == pytest.approx(-4.0)  # the riser valve in the basement
    assert moments[-1].t_s == run.scenario.duration_s
    # Water is still standing on L13 at the end (3.5 m³ never mopped up): the end is shown there.
    assert "water still standing" in moments[-1].title and moments[-1].z == pytest.approx(40.5)


# ----------------------------------------------------------------- the replay helpers, by hand




NAN = math.nan


def test_positions_at_takes_each_persons_last_move_at_or_before_t():
    f = _frame([
        (10.0, "move", "A", "", 1.0, 2.0, 0.0, NAN, ""),
        (15.0, "move", "B", "", 5.0, 5.0, 3.0, NAN, ""),
        (20.0, "move", "A", "", 3.0, 4.0, 0.0, NAN, ""),
        (20.0, "depth", "", "R1", 9.0, 9.0, 0.0, 0.2, ""),
    ])
    at17 = positions_at(f, 17.0).set_index("person")
    assert at17.loc["A", ["x", "y", "z"]].tolist() == [1.0, 2.0, 0.0]
    assert at17.loc["B", ["x", "y", "z"]].tolist() == [5.0, 5.0, 3.0]
    assert at17.loc["A", "since_s"] == 10.0
    at20 = positions_at(f, 20.0).set_index("person")
    assert at20.loc["A", ["x", "y"]].tolist() == [3.0, 4.0]  # a move at exactly t counts
    early = positions_at(f, 5.0, start={"A": (0.0, 0.0, 0.0), "C": (7.0, 8.0, 9.0)})
    assert early["person"].tolist() == ["A", "C"] and early["x"].tolist() == [0.0, 7.0]
    later = positions_at(f, 12.0, start={"A": (0.0, 0.0, 0.0)}).set_index("person")
    assert later.loc["A", "x"] == 1.0  # a move overrides the start position
    assert positions_at(f, 1.0).empty


def test_depths_at_keeps_the_last_depth_per_space_and_drops_dry_ones():
    f = _frame([
        (0.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.10, ""),
        (60.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.30, ""),
        (60.0, "depth", "", "R2", 5.0, 1.0, 0.0, 0.05, ""),
        (120.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.0, ""),
    ])
    at30 = depths_at(f, 30.0)
    assert at30["place"].tolist() == ["R1"] and at30["depth_m"].tolist() == [0.10]
    at90 = depths_at(f, 90.0).set_index("place")["depth_m"].to_dict()
    assert at90 == {"R1": 0.30, "R2": 0.05}
    assert depths_at(f, 130.0)["place"].tolist() == ["R2"]  # R1 mopped dry


def test_lifts_out_at_follows_stops_and_restarts():
    f = _frame([
        (10.0, "lift", "", "Garage", 0.0, 0.0, 0.0, 0.0, "Lift A"),
        (10.0, "lift", "", "Lobby", 0.0, 0.0, 0.0, 0.0, "Lift B"),
        (50.0, "lift", "", "Garage", 0.0, 0.0, 0.0, 1.0, "Lift A"),
    ])
    assert lifts_out_at(f, 5.0) == []
    assert lifts_out_at(f, 20.0) == ["Lift A", "Lift B"]
    assert lifts_out_at(f, 60.0) == ["Lift B"]


def test_task_bars_run_from_dispatch_through_on_site_to_done():
    f = _frame([
        (0.0, "dispatched", "A", "Valve", 0.0, 0.0, 0.0, 90.0, "isolate", 0, 0),
        (100.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
        (400.0, "done", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
        (200.0, "dispatched", "B", "Riser", 0.0, 0.0, 0.0, 60.0, "repair the pipe", 1, 3),
    ])
    bars = task_bars(f.sort_values("t_s"), end_s=1000.0).set_index("person")
    assert bars.loc["A", ["start_s", "on_site_s", "end_s"]].tolist() == [0.0, 100.0, 400.0]
    assert bars.loc["A", "ended"] == "done" and bars.loc["A", "name"] == "isolate"
    assert bars.loc["B", "ended"] == "unfinished" and bars.loc["B", "end_s"] == 1000.0
    assert math.isnan(bars.loc["B", "on_site_s"]) and bars.loc["B", "incident"] == 1


def test_storey_at_puts_a_height_on_the_storey_below_it():
    model = BuildingModel(sources=(), storeys=(Storey("b", "B1", -4.0), Storey("g", "GF", 0.0),
                                              Storey("1", "L01", 4.5)),
                          spaces=(), doors=(), stairs=(), lifts=(), equipment=(), systems=())
    assert [storey_at(model, z) for z in (-4.0, -0.2, 0.0, 3.0, 4.4, 4.5, 40.0, -9.0)] == [0, 1, 1, 1, 2, 2, 2, 0]
    assert storey_at(model, math.nan) == -1


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_failed_write_leaves_no_file_and_says_what_to_do(demo, capsys):
    run_dir, _, _ = demo
    assert main(["report", str(run_dir), "--out", "/proc/report.html"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin report: /proc/report.html: ") and "choose another --out" in err
