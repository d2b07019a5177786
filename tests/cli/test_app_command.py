"""`twin app`: the Streamlit command line it starts, and its one-line failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
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
    monkeypatch.setattr(app, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    assert main(["app", "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin app: app/main.py: the app is missing (looked in ")
    assert "run `twin app` in the DrillTwin checkout" in err
    assert err.count("\n") == 1


def test_twin_app_finds_the_app_in_the_current_folder_when_installed_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.chdir(REPO)
    assert app.app_main() == REPO / "app" / "main.py"


def test_twin_app_rejects_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", "--port", "70000"]) == 2
    assert "--port 70000: expected a port number between 1 and 65535" in capsys.readouterr().err
