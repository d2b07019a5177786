"""twin report: a self-contained after-action report, its key moments and its checks."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from twin.cli import main
from twin.present.runcheck import ReportError, check_model
from twin.present.snapshot import key_moments
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
    assert 'id="fig-replay3d"' in text and 'class="r3d-view"' in text
    assert text.count("var R3D=") == 1, "the three.js bundle is inlined exactly once"
    assert "First report" in text and "Made safe" in text and "End of the drill" in text


def test_the_event_log_leaves_out_move_rows_and_says_how_many(demo):
    run_dir, _, text = demo
    frame = read_run(run_dir).log.frame
    moves = int((frame["kind"] == "move").sum())
    assert moves > 0
    assert f"{len(frame) - moves} of {len(frame)} events. Left out: {moves} “move” rows" in text
    log_table = text[text.index('id="log"') : text.index("What the kinds of event mean")]
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


def test_an_out_under_a_file_names_the_file_not_a_missing_folder(demo, tmp_path, capsys):
    # It said "folder …/notes.txt does not exist; create it", which cannot be done: it is a file.
    run_dir, _, _ = demo
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    assert main(["report", str(run_dir), "--out", str(notes / "r.html")]) == 2
    assert capsys.readouterr().err == (
        f"twin report: {notes / 'r.html'}: {notes} is a file, not a folder; choose another --out\n"
    )
    assert main(["calibrate", str(notes), "--map", "m.yaml", "--out", str(notes / "rates.yaml")]) == 2
    assert capsys.readouterr().err == (
        f"twin calibrate: {notes / 'rates.yaml'}: {notes} is a file, not a folder; choose another --out\n"
    )
    assert notes.read_text(encoding="utf-8") == "mine"


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


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_failed_write_leaves_no_file_and_says_what_to_do(demo, capsys):
    run_dir, _, _ = demo
    assert main(["report", str(run_dir), "--out", "/proc/report.html"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin report: /proc/report.html: ") and "choose another --out" in err
