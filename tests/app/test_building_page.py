"""The Building page (streamlit.testing AppTest): the bundled estate, a storey's plan, uploads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO, estate
from tests.ifc_builder import two_storey_house

MAIN = REPO / "app" / "main.py"
#: Generous: the first run of a test session builds the estate's twin (a few seconds) into the
#: session's private cache.
TIMEOUT_S = 120


def building_page() -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    return at.run()


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.radio(key="building_source").set_value("Upload IFC file(s)").run()
    at.file_uploader(key="building_files").set_value([(name, content, "application/octet-stream")])
    return at.run()


def tables(at: AppTest) -> dict[str, Any]:
    """The tables of the "What is in the model" tabs by tab name (``Storeys``…), and the
    unreachable spaces as ``unreachable``, as pandas DataFrames."""
    out = {tab.label.split(" (")[0]: tab.dataframe[0].value for tab in at.tabs if tab.dataframe}
    out.update(("unreachable", df.value) for df in at.dataframe if "reason" in df.value.columns)
    return out


def chart_title(at: AppTest, key: str) -> str:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return str(json.loads(chart.proto.spec)["layout"]["title"]["text"])


def test_the_estate_is_shown_by_default_with_a_table_for_each_kind_of_thing() -> None:
    estate()
    at = building_page()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Building: estate.ifc"
    rows = {key: len(df) for key, df in tables(at).items()}
    assert rows == {
        "Storeys": 29,
        "Spaces": 1362,
        "Lifts": 9,
        "Stairs and ramps": 169,
        "Equipment": 651,
        "Systems": 3,
    }
    assert [tab.label for tab in at.tabs][:2] == ["Storeys (29)", "Spaces (1,362)"]
    storeys = tables(at)["Storeys"]
    assert storeys["storey"].tolist()[:3] == ["B1", "GF", "L01"]
    assert storeys["households"].sum() == 810
    assert at.success[0].value.startswith("**1,362 of 1,362 spaces** (100.0 %) can be reached")
    assert [m.value for m in at.metric][:3] == ["29", "1,362", "810"]
    assert len(at.get("plotly_chart")) == 2


def test_the_plan_opens_on_the_entrance_storey_and_follows_the_storey_selector() -> None:
    estate()
    at = building_page()
    storey = at.selectbox(key="storey")
    assert storey.value == 1  # GF: the storey with the entrances
    assert storey.format_func(1) == "GF (+0.00 m, 38 spaces)"
    assert "Storey <b>GF</b>" in chart_title(at, "plan")
    # A wide storey opens on its first tower; "the whole storey" is one click away.
    assert at.radio(key="plan_part_4").value == 1
    assert "showing <b>A-GF</b>" in chart_title(at, "plan")

    at.selectbox(key="storey").set_value(15).run()  # L14
    assert not at.exception
    title = chart_title(at, "plan")
    assert "Storey <b>L14</b> at +43.50 m — 48 spaces, 48 reachable" in title
    assert "storey L14 (selected)" in json.dumps(
        json.loads(next(c for c in at.get("plotly_chart") if "view3d" in c.proto.id).proto.spec)
    )

    at.radio(key="plan_part_3").set_value(0).run()
    assert "showing" not in chart_title(at, "plan")


def test_an_uploaded_model_lists_its_unreachable_room_with_the_reason(tmp_path: Path) -> None:
    at = building_page()
    at = upload(at, "house.ifc", two_storey_house(tmp_path).read_bytes())
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Building: house.ifc"
    assert len(tables(at)["Storeys"]) == 2
    assert at.warning[0].value.startswith("**5 of 6 spaces** (83.3 %) can be reached from an entrance")
    unreachable = tables(at)["unreachable"]
    assert unreachable["space"].tolist() == ["G4 Store"]
    assert unreachable["reason"][0].startswith("no door or open boundary connects it")
    # The plan opens on the storey with the unreachable room, which it draws red.
    assert at.selectbox(key="storey").format_func(0) == "Ground (+0.00 m, 4 spaces, 1 unreachable)"
    assert "space, UNREACHABLE (1)" in json.dumps(
        json.loads(next(c for c in at.get("plotly_chart") if "plan" in c.proto.id).proto.spec)
    )

    # The next interaction reads the twin from the app's cache and keeps the uploaded building.
    at.selectbox(key="storey").set_value(1).run()
    assert not at.exception
    assert at.title[0].value == "Building: house.ifc"
    assert "Storey <b>Upper</b> at +3.00 m — 2 spaces, 2 reachable" in chart_title(at, "plan")


def _bomb() -> bytes:
    import tempfile

    from tests.model.test_bad_input import zip_bomb

    with tempfile.TemporaryDirectory() as tmp:
        return zip_bomb(Path(tmp) / "bomb.ifczip", 20).read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.ifc", b"this is not a building", "broken.ifc: not an IFC file (it does not start with"),
        ("bomb.ifczip", _bomb(), "bomb.ifczip!bomb.ifc: inflates more than 100× its"),
        ("cut.ifc", b"ISO-10303-21;\nHEADER;\n", "cut.ifc: the IFC file is truncated"),
        ("model.ifczip", b"PK\x03\x04 not really a zip", "model.ifczip: a broken .ifczip archive"),
    ],
)
def test_a_broken_upload_shows_one_line_naming_the_file_and_no_traceback(
    name: str, content: bytes, message: str
) -> None:
    at = upload(building_page(), name, content)
    assert not at.exception
    assert len(at.error) == 1
    text = at.error[0].value
    assert text.startswith(message)
    assert "\n" not in text and "/tmp" not in text and "Traceback" not in text
    assert not at.title  # the page stops: nothing of a previous building is shown


def test_upload_mode_asks_for_a_file_before_anything_else() -> None:
    at = building_page()
    at.radio(key="building_source").set_value("Upload IFC file(s)").run()
    assert not at.exception
    assert at.info[0].value.startswith("Upload the IFC file(s) of a building in the sidebar")
    assert at.file_uploader(key="building_files").proto.type == [".ifc", ".ifczip"]


def test_uploads_of_another_type_or_over_the_size_limit_are_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    monkeypatch.syspath_prepend(str(REPO / "app"))
    import shared

    def upload_of(name: str, size: int) -> Any:
        return SimpleNamespace(name=name, size=size)

    assert shared.upload_problem([upload_of("a.ifc", 10), upload_of("B.IFCZIP", 10)]) == ""
    assert shared.upload_problem([upload_of("plan.dwg", 10)]) == (
        "plan.dwg: expected an .ifc or .ifczip file, got '.dwg' — export the model as IFC"
    )
    assert shared.upload_problem([upload_of("big.ifc", 201 * 1024 * 1024)]).startswith(
        "big.ifc: 201 MB is more than the 200 MB an upload may have"
    )
    # Whatever the name, the file written stays inside its temporary folder.
    from twin.isolated import safe_name

    assert safe_name("../../etc/passwd.ifc") == "passwd.ifc"
    assert safe_name("C:\\models\\my tower (v2).IFC") == "C_models_my_tower_v2.ifc"
