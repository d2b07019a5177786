"""The Staffing page (streamlit.testing AppTest): load a sweep folder, run a shortened sweep, upload
a sweep file; cost against compliance with intervals, the variants, the paired differences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_building_page import MAIN, TIMEOUT_S
from tests.conftest import REPO, estate
from twin.sweep.report import SweepReport, sweep_report
from twin.sweep.results import read_sweep
from twin.sweep.spec import load_sweep

SHIPPED_SWEEP = REPO / "scenarios" / "sweeps" / "night_shift_options.yaml"
#: Four night-shift variants, as a sweep file writes them.
FOUR_VARIANTS = """\
  - name: today (2 night plumbers)
  - name: 1 night plumber
    staff: {night: {plumber: 1}}
  - name: 1 night plumber, guards close valves
    staff: {night: {plumber: 1}}
    train: {night: {security: {plumber: 1}}}
  - name: no night plumber, guards close valves
    staff: {night: {plumber: 0}}
    train: {night: {security: {plumber: 1}}}
"""
TWO_VARIANTS = """\
  - name: today
  - name: 1 night plumber
    staff: {night: {plumber: 1}}
"""


def write_sweep(
    folder: Path,
    *,
    days: int = 2,
    replications: int = 2,
    variants: str = TWO_VARIANTS,
    meets: str = "{yellow: 0.8}",
) -> Path:
    """A small sweep file on the shipped estate roster (an absolute ``base:``)."""
    path = folder / "tiny.yaml"
    path.write_text(
        "name: Tiny night-shift sweep\n"
        "description: Two nights of the estate with two night plumbers or one.\n"
        f"base: {REPO / 'scenarios' / 'estate_roster.yaml'}\n"
        f"period: {{start: 2026-01-01T00:00:00, days: {days}}}\n"
        f"replications: {replications}\n"
        "seed: 5\n"
        f"meets: {meets}\n"
        "variants:\n" + variants,
        encoding="utf-8",
    )
    return path


def sweep_folder(root: Path, *, workers: int = 1, **kwargs: Any) -> Path:
    """A finished sweep folder of :func:`write_sweep`'s sweep."""
    from twin.sweep.execute import run_sweep
    from twin.sweep.spec import load_sweep
    from twin.twin import load_twin

    loaded = load_sweep(write_sweep(root, **kwargs))
    out = root / "tiny-sweep"
    run_sweep(load_twin([estate()]), loaded, out, workers=workers)
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SweepReport]:
    """Two variants × two replications of two days, and its report."""
    out = sweep_folder(tmp_path_factory.mktemp("staffing"))
    return out, sweep_report(read_sweep(out))


def staffing_page() -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.switch_page("views/staffing.py")
    return at.run()


def load_folder(path: str | Path) -> AppTest:
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("A sweep folder").run()
    at.text_input(key="staffing_folder_path").input(str(path)).run()
    return at


def variants_table(at: AppTest) -> Any:
    """The table of variants (the first table on the page; ``st.dataframe`` keys are not kept)."""
    return at.dataframe[0].value


def chart(at: AppTest) -> dict[str, Any]:
    found = next(c for c in at.get("plotly_chart") if "staffing_chart" in c.proto.id)
    return dict(json.loads(found.proto.spec))


def test_a_sweep_folder_shows_its_variants_with_the_reports_numbers(tiny, tmp_path, monkeypatch):
    folder, report = tiny
    monkeypatch.chdir(tmp_path)
    at = load_folder(folder)
    assert not at.exception and not at.error
    assert at.header[0].value == "Results: Tiny night-shift sweep"
    assert any(m.value == "Two nights of the estate with two night plumbers or one." for m in at.markdown)
    assert any(c.value.startswith("4 of 4 runs of 2 days, from ") for c in at.caption)

    table = variants_table(at).set_index("variant")
    assert table.index.tolist() == ["today", "1 night plumber"] == [v.name for v in report.variants]
    for v in report.variants:
        assert table.loc[v.name, "cost"] == pytest.approx(v.means["cost_total"].value)
        assert table.loc[v.name, "yellow on time (%)"] == pytest.approx(100 * v.compliance["yellow"].value)
        assert table.loc[v.name, "runs"] == v.runs == 2
    # Two days of the estate bring yellow and blue work orders, and (with this seed) no red one.
    assert "red on time (%)" not in table.columns
    assert table["verdict"].tolist() == [v.verdict for v in report.variants]

    # Two days are too few to show 80 % of yellow jobs reached in time at 95 % confidence: the page
    # says there is not enough evidence and names the cheaper candidate, rather than a winner.
    assert report.cheapest_meeting is None
    assert [v.verdict for v in report.variants] == ["not enough evidence"] * 2
    assert at.warning[0].value.startswith(
        "Not enough evidence: no variant is shown to meet the targets at 95% "
        "confidence yet; more replications could still show it for "
        "**1 night plumber**"
    )
    evidence = next(d.value for d in at.dataframe if "what drives it" in d.value.columns)
    yellow = report.variants[0].evidence["yellow"]
    assert evidence["yellow on time / incidents"][0] == f"{yellow.on_time} / {yellow.incidents}"
    assert evidence["what drives it"][0] == report.variants[0].driver

    # The chart opens on the priority the sweep sets a target for, with the target as a line.
    assert at.radio(key="staffing_priority").value == "yellow"
    spec = chart(at)
    points = {t["name"]: t for t in spec["data"] if " · " in t["name"]}
    assert sorted(points) == ["1 · today", "2 · 1 night plumber"]  # numbered as in the table
    assert {t["marker"]["symbol"] for t in points.values()} == {"diamond-open"}  # not enough evidence
    for v, t in zip(report.variants, (points["1 · today"], points["2 · 1 night plumber"]), strict=True):
        assert t["x"] == [pytest.approx(v.means["cost_total"].value)]
        assert t["y"] == [pytest.approx(100 * v.compliance["yellow"].value)]
    assert [s["y0"] for s in spec["layout"]["shapes"]] == [pytest.approx(80.0)]

    at.radio(key="staffing_priority").set_value("blue").run()
    assert not at.exception
    assert "blue incidents reached within 1440 min" in chart(at)["layout"]["title"]["text"]
    assert not chart(at)["layout"].get("shapes")  # no target share for blue in this sweep

    diffs = next(d.value for d in at.dataframe if "runs paired" in d.value.columns)
    (d,) = report.differences
    assert diffs["variant"].tolist() == ["1 night plumber"]
    assert diffs["cost"][0].startswith(f"{d['cost_total']['value']:+,.0f} [")
    assert len(at.get("download_button")) == 3


def test_sweep_folders_under_sweeps_are_offered_newest_first(tiny, tmp_path, monkeypatch):
    folder, _ = tiny
    monkeypatch.chdir(tmp_path)
    shutil.copytree(folder, tmp_path / "sweeps" / "night")
    (tmp_path / "sweeps" / "not-a-sweep").mkdir()
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("A sweep folder").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="staffing_folder").options == ["sweeps/night"]
    assert at.header[0].value == "Results: Tiny night-shift sweep"
    assert any(c.value.startswith("4 of 4 runs of 2 days, from `sweeps/night`") for c in at.caption)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "nowhere", "not a sweep folder (no sweep.json)"),
        (lambda tmp: (tmp / "sweep.json").write_text("{not json") and tmp, "sweep.json: cannot read it"),
    ],
)
def test_a_folder_that_is_not_a_sweep_shows_one_error_line(make, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    at = load_folder(make(tmp_path))
    assert not at.exception
    assert len(at.error) == 1
    assert message in at.error[0].value and "\n" not in at.error[0].value
    assert not at.header


def test_with_no_sweep_folders_the_page_says_where_they_come_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("A sweep folder").run()
    assert not at.exception
    assert at.info[0].value == "Type the path of a sweep folder, or run a sweep first."


def test_a_shipped_sweep_runs_shortened_and_records_its_runs(tmp_path, monkeypatch):
    estate()
    monkeypatch.chdir(tmp_path)
    at = staffing_page()
    assert not at.exception and not at.error
    assert at.title[0].value == "Staffing"
    assert at.selectbox(key="staffing_shipped").value == "scenarios/sweeps/night_shift_options.yaml"
    assert at.subheader[0].value == "Night-shift options"
    assert any(m.value.startswith("Today's night shift (two plumbers, an electrician") for m in at.markdown)
    # An interactive run starts as 3 replications of 30 days on 2 workers, not the file's 6 years.
    reps = at.number_input(key="staffing_reps_Night-shift options")
    days = at.number_input(key="staffing_days_Night-shift options")
    assert (reps.value, days.value, at.number_input(key="staffing_workers").value) == (3, 30, 2)
    assert any(
        "6 variants × 3 replications = **18 runs** of 30 days, written to "
        "`sweeps/night_shift_options-30d-3r`" in c.value
        for c in at.caption
    )
    assert not at.header  # nothing run yet

    reps.set_value(1)
    days.set_value(1)
    at.number_input(key="staffing_workers").set_value(1)
    at.run()
    at.button(key="staffing_run_button").click().run()
    assert not at.exception and not at.error
    out = tmp_path / "sweeps" / "night_shift_options-1d-1r"
    res = read_sweep(out)
    assert res.complete and len(res.rows) == 6 and (out / "results.parquet").is_file()
    assert res.meta["period"]["days"] == 1 and res.meta["replications"] == 1
    assert at.success[0].value.startswith("6 runs in ")
    assert at.header[0].value == "Results: Night-shift options"
    table = variants_table(at)
    assert table["variant"].tolist() == [v.name for v in load_sweep(SHIPPED_SWEEP).variants]
    assert table["variant"].tolist()[:2] == [
        "2 night plumbers + lift rescue as today",
        "2 night plumbers + guards and desk release lifts",
    ]
    assert table["cost"].tolist() == pytest.approx(
        [v.means["cost_total"].value for v in sweep_report(res).variants]
    )

    # Run again: the folder is finished, nothing runs.
    at.button(key="staffing_run_button").click().run()
    assert not at.exception
    assert at.success[0].value == "All 6 runs were already done; nothing to run."


def test_an_uploaded_sweep_takes_its_base_from_the_shipped_scenarios():
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("Upload a sweep file").run()
    assert at.info[0].value.startswith("Upload a sweep file (.yaml or .yml)")
    text = SHIPPED_SWEEP.read_text(encoding="utf-8").replace("name: Night-shift options", "name: My options")
    assert "base: ../estate_roster.yaml" in text
    at.file_uploader(key="staffing_upload").set_value([("my sweep.yaml", text.encode(), "text/yaml")]).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == "My options"
    assert any("written to `sweeps/my_sweep-30d-3r`" in c.value for c in at.caption)

    # Saved as Notepad's "Unicode" (UTF-16 with its byte-order mark): read as the CLI reads it.
    flat = text.replace("base: ../estate_roster.yaml", "base: estate_roster.yaml")
    at.file_uploader(key="staffing_upload").set_value(
        [("flat.yaml", flat.encode("utf-16"), "text/yaml")]
    ).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == "My options"
    latin = ("# Équipe de nuit\n" + flat).encode("latin-1", errors="replace")
    at.file_uploader(key="staffing_upload").set_value([("latin.yaml", latin, "text/yaml")]).run()
    assert [e.value for e in at.error] == [
        "latin.yaml:1: not UTF-8 text (byte 0xc9: saved as Latin-1 or Windows-1252?); save the sweep file "
        "as UTF-8 YAML"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("base: ../estate_roster.yaml", "base: ../../pyproject.toml"),
            "bad.yaml:{line}: base: no shipped scenario '../../pyproject.toml'; an uploaded sweep's base is one of "
            "scenarios/ (",
        ),
        (
            # Named at the variant's first line, the one above its staff.
            ("staff: {night: {plumber: 1}}", "staff: {nite: {plumber: 1}}"),
            "bad.yaml:{line - 1}: grid[0][1] ('1 night plumber, guards close valves + lift rescue as today'): "
            "staff.nite: no shift 'nite' in the base scenario (did you mean: night?)",
        ),
        (
            ("replications: 10", "replications: many"),
            "bad.yaml:{line}: replications: must be a whole number, got 'many'",
        ),
    ],
)
def test_an_unusable_uploaded_sweep_says_why_in_one_line(change, message):
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("Upload a sweep file").run()
    text = SHIPPED_SWEEP.read_text(encoding="utf-8").replace(*change)
    # The line the change is on, counted here, so a comment added to the shipped file moves both.
    line = text[: text.index(change[1])].count("\n") + 1
    message = message.replace("{line - 1}", str(line - 1)).replace("{line}", str(line))
    at.file_uploader(key="staffing_upload").set_value([("bad.yaml", text.encode(), "text/yaml")]).run()
    assert not at.exception
    assert len(at.error) == 1
    said = at.error[0].value
    assert said.startswith(message), said
    assert "\n" not in said and "/tmp" not in said and "drilltwin-sweep" not in said
    assert not at.get("button") or not any(b.key == "staffing_run_button" for b in at.button)


def test_a_search_folder_shows_its_answer_what_it_ruled_out_and_the_erlang_bound(tmp_path, monkeypatch):
    from tests.sweep.conftest import ROSTER
    from tests.sweep.test_search import SEARCH_FILE
    from twin.sweep.search import read_search, run_search
    from twin.twin import load_twin

    path = tmp_path / "search.yaml"
    path.write_text(SEARCH_FILE.format(base=ROSTER), encoding="utf-8")
    found = run_search(load_twin([estate()]), load_sweep(path), tmp_path / "found", workers=1)
    assert found.finished
    monkeypatch.chdir(tmp_path)
    at = load_folder(tmp_path / "found")
    assert not at.exception and not at.error
    assert any(h.value == "Search" for h in at.subheader)
    assert any(
        c.value.startswith("sequential elimination in cost order") and f"{found.runs} runs used" in c.value
        for c in at.caption
    )
    if found.answer is not None:
        assert any(s.value.startswith(f"The search's answer: **{found.answer.name}**") for s in at.success)
    else:
        assert any(
            w.value.startswith("The search found no roster shown to meet the targets") for w in at.warning
        )
    assert any("Erlang C lower bound" in c.value for c in at.code)
    assert read_search(tmp_path / "found").runs == found.runs


def test_an_uploaded_sweep_naming_a_server_file_is_refused_without_reading_it():
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("Upload a sweep file").run()
    text = (
        "name: Mine\nbase: ../night_riser_burst.yaml\nperiod: {start: 2026-01-01T00:00:00, days: 30}\n"
        "background: {rates: /etc/passwd}\nvariants:\n  - name: today\n"
    )
    at.file_uploader(key="staffing_upload").set_value([("mine.yaml", text.encode(), "text/yaml")]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "mine.yaml:4: background.rates: '/etc/passwd' is outside the upload's folder and DrillTwin's shipped "
        "data, and the app reads no other file; name a shipped file or leave the field out "
        "(rates: left out uses the default rates)"
    ]


def test_an_uploaded_search_whose_move_names_a_missing_shift_says_so_in_one_line():
    at = staffing_page()
    at.radio(key="staffing_mode").set_value("Upload a sweep file").run()
    search = REPO / "scenarios" / "sweeps" / "night_shift_search.yaml"
    text = search.read_text(encoding="utf-8").replace("night: {plumber: [0, 2]}", "nite: {plumber: [0, 2]}")
    at.file_uploader(key="staffing_upload").set_value([("bad.yaml", text.encode(), "text/yaml")]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "bad.yaml:18: search ('0 nite plumbers'): staff.nite: no shift 'nite' in the base scenario "
        "(did you mean: night?); shifts: day, night"
    ]
    assert not any(b.key == "staffing_run_button" for b in at.button)


def test_a_shipped_search_asks_only_for_the_period_and_workers_its_replications_are_its_own(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    at = staffing_page()
    at.selectbox(key="staffing_shipped").set_value("scenarios/sweeps/night_shift_search.yaml").run()
    assert not at.exception and not at.error
    assert {n.key for n in at.number_input} == {"staffing_days_Night-shift search", "staffing_workers"}
    assert any(
        c.value.startswith(
            "A search over 12 rosters (moves on the base roster), screening each on 2 replications and "
            "spending at most 60 runs, over 365 days"
        )
        for c in at.caption
    )
