"""The limits on bad input: one table in the README says each default and how to raise it."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from twin.errors import TwinError
from twin.limits import ALL, YAML_MB


@pytest.mark.parametrize("limit", ALL, ids=lambda x: x.env)
def test_the_readme_states_each_limit_with_its_default_and_variable(limit):
    readme = REPO.joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in section.splitlines() if f"`{limit.env}`" in line)
    number = f"{limit.default:,.0f}" if limit.default == int(limit.default) else f"{limit.default:g}"
    unit = {"MB": " MB", "s": " s", "×": "×"}.get(limit.unit, "")
    assert row.split("|")[2].strip() == number + unit


def test_a_limit_is_raised_by_its_variable_and_a_bad_value_is_one_line(monkeypatch):
    assert YAML_MB.value() == 2.0
    monkeypatch.setenv("DRILLTWIN_MAX_YAML_MB", "50")
    assert YAML_MB.value() == 50.0
    monkeypatch.setenv("DRILLTWIN_MAX_YAML_MB", "lots")
    with pytest.raises(
        TwinError, match=r"\$DRILLTWIN_MAX_YAML_MB='lots' is not a number; set it to a number of MB"
    ):
        YAML_MB.value()
    monkeypatch.setenv("DRILLTWIN_MAX_YAML_MB", "-1")
    with pytest.raises(TwinError, match="must be a positive number of MB"):
        YAML_MB.value()
