"""`twin app`: the Streamlit command line it starts, and its one-line failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from twin import shipped
from twin.cli import app, main


def test_the_app_starts_without_waiting_for_any_prompt() -> None:
    cmd = app.streamlit_command(Path("/x/app/main.py"), port=8765, headless=True)
    options = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert cmd[1:5] == ["-m", "streamlit", "run", "/x/app/main.py"]
    assert options["--server.port"] == "8765"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--server.showEmailPrompt"] == "false"
    assert options["--server.maxUploadSize"] == "200"
    # Without --headless Streamlit opens a browser, but still asks nothing on the terminal.
    interactive = app.streamlit_command(Path("/x/app/main.py"), port=8501, headless=False)
    assert "--server.showEmailPrompt" in interactive


def test_twin_app_says_in_one_line_when_the_app_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app").mkdir()
    monkeypatch.setattr(shipped, "CHECKOUT", tmp_path)
    assert main(["app", "--headless"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"twin app: {tmp_path / 'app' / 'main.py'}: the web app's entry script is missing — reinstall DrillTwin\n"
    )


def test_twin_app_runs_the_app_shipped_with_the_package_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert app.app_main() == REPO / "app" / "main.py"


def test_twin_app_rejects_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", "--port", "70000"]) == 2
    assert "--port 70000: expected a port number between 1 and 65535" in capsys.readouterr().err
