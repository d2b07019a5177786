"""A hazard kind defined here, in the test folder alone, runs in a drill, shows in the replay and
occurs in background work and in a staffing sweep — registered once, with no edit anywhere else (issue 13, item 4)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
import simpy
from pydantic import Field

from tests.conftest import REPO
from tests.engine.conftest import shipped, variant
from twin.background.generate import Arrival
from twin.background.rates import HazardRate, default_rates
from twin.engine import compile_drill, run
from twin.engine.core import Proc
from twin.engine.hazards import Drawing, HazardKind, Occurrence, Places, Ref, World, register_hazard
from twin.engine.tasks import TaskSpec, incident
from twin.errors import PlaceError
from twin.kpi import compute_kpis
from twin.places import locate
from twin.present.start import hazard_places
from twin.scenario import FieldError, ScenarioError, parse_scenario
from twin.scenario.kinds import HAZARDS
from twin.scenario.schema import HazardSpec, Quantity
from twin.sweep.execute import run_sweep
from twin.sweep.results import read_sweep
from twin.sweep.spec import load_sweep

#: The flat the gas is smelt in, and the one a gas-trained plumber makes safe.
FLAT = "B-0503"


class GasLeak(HazardSpec):
    """Gas smelt in a space: a plumber shuts the meter valve and vents the room."""

    kind: Literal["gas_leak"]
    smelt_in: str = Field(description="the space where the gas is smelt")
    make_safe_min: float = Field(20.0, gt=0)


def compile_gas(h: GasLeak, twin: Any, plant: Any, loc: tuple[str | int, ...]) -> Ref:
    try:
        return {"node": locate(h.smelt_in, twin.model, twin.graph).node}
    except PlaceError as exc:
        raise FieldError((*loc, "smelt_in"), str(exc)) from None


def gas_leak(env: simpy.Environment, world: World, h: GasLeak, ref: Ref, index: int) -> Proc:
    yield env.timeout(h.start_min * 60.0)
    world.sim.log("hazard", node=ref["node"], detail=f"gas smelt in {h.smelt_in}")
    incident(
        world.sim,
        "gas_leak",
        f"Gas in {h.smelt_in}",
        "red",
        ref["node"],
        h.reported_via,
        [
            TaskSpec(
                "shut the gas and vent",
                (("plumber", 1),),
                ref["node"],
                60.0 * h.make_safe_min,
                makes_safe=True,
            ),
        ],
    )


class GasLeakRate(HazardRate):
    DRAWS: ClassVar[tuple[str, ...]] = ("make_safe_min",)
    per: Literal["household"] = "household"
    make_safe_min: Quantity = 15.0


def _flats(twin: Any, plant: Any, rate: Any) -> Places:
    return Places.of(
        [twin.model.spaces[int(s)].name for s in plant.household_spaces if twin.graph.space_node[s] >= 0]
    )


def _occur(
    env: simpy.Environment, world: World, rate: GasLeakRate, a: Arrival, flat: Any, index: int
) -> None:
    h = GasLeak(
        kind="gas_leak", smelt_in=flat, make_safe_min=a.values["make_safe_min"], reported_via=rate.channel
    )
    env.process(gas_leak(env, world, h, compile_gas(h, world.sim.drill.twin, None, ()), index))


@pytest.fixture
def gas() -> Iterator[HazardKind]:
    kind = register_hazard(
        HazardKind(
            "gas_leak",
            GasLeak,
            compile_gas,
            gas_leak,
            Occurrence(
                GasLeakRate, _flats, _occur, lambda places: f"{len(places)} flats gas can be smelt in"
            ),
            Drawing(places=("smelt_in",), symbol="diamond", label="gas smelt"),
        )
    )
    yield kind
    HAZARDS.unregister("gas_leak")


def _gas_drill() -> Any:
    return variant(
        shipped("night_riser_burst.yaml"), hazards=[{"kind": "gas_leak", "smelt_in": FLAT, "start_min": 10}]
    )


def test_an_unregistered_hazard_kind_is_refused_naming_the_known_ones():
    with pytest.raises(
        ScenarioError,
        match=r"hazards\[0\]\.kind: unknown hazard kind 'gas_leak' "
        r"\(known: pipe_burst, power_loss, storm\)",
    ):
        parse_scenario(
            "name: x\npeople: [{id: a, trades: {plumber: 1}, shift: day}]\n"
            "hazards: [{kind: gas_leak, smelt_in: somewhere}]\n"
        )


def test_a_toy_hazard_registered_in_a_test_runs_in_a_drill_and_a_crew_answers_it(gas, estate_twin):
    scenario = _gas_drill()
    k = compute_kpis(run(estate_twin, scenario).log, scenario)
    leak = k.incidents[k.incidents["kind"] == "gas_leak"]
    assert len(leak) == 1
    row = leak.iloc[0]
    assert row["event_min"] == pytest.approx(10.0)  # start_min
    # Someone walked there and worked the 20 minutes: made safe 20 min after arriving.
    assert row["on_site_min"] > 0
    assert row["made_safe_min"] - row["on_site_min"] == pytest.approx(20.0, abs=1e-6)
    assert k.summary["red_incidents"] == 1


def test_a_toy_hazard_shows_in_the_replay_at_its_place_as_it_asks_to_be_drawn(gas, estate_twin):
    places = hazard_places(estate_twin, _gas_drill())
    assert list(places["kind"]) == ["gas_leak"]
    row = places.iloc[0]
    assert row["place"] == FLAT and row["symbol"] == "diamond" and row["label"] == "gas smelt"
    node = locate(FLAT, estate_twin.model, estate_twin.graph).node
    assert (row["x"], row["y"], row["z"]) == tuple(float(v) for v in estate_twin.graph.node_xyz[node])


def test_a_toy_hazard_occurs_in_background_work_at_its_rate(gas, estate_twin):
    # 810 flats × 3 a year ≈ 6.7 a day: a day with no other background work and no other hazard.
    rates = default_rates().model_copy(
        update={"work_orders": [], "hazards": {"gas_leak": GasLeakRate(per_year=3.0, channel="sensor")}}
    )
    scenario = variant(shipped("estate_roster.yaml"), duration_h=24.0)
    drill = compile_drill(estate_twin, scenario, rates=rates)
    # A sweep ships the catalogue to its workers: the places go as they are, worked out.
    shipped_places = pickle.loads(pickle.dumps(drill.background)).hazards["gas_leak"]
    assert list(shipped_places) == list(drill.background.hazards["gas_leak"]) and len(shipped_places) == 810
    f = run(estate_twin, scenario, drill=drill, trace_moves=False).log.frame
    assert "810 flats gas can be smelt in" in f[f.kind == "background"].detail.iloc[0]
    leaks = f[(f.kind == "incident") & f.detail.str.startswith("gas_leak|")]
    assert 1 <= len(leaks) <= 20  # Poisson mean 6.7: outside [1, 20] has probability < 1e-4
    assert all(d.startswith("gas_leak|red|Gas in ") for d in leaks.detail)


def test_a_toy_hazard_occurs_in_a_staffing_sweep_through_its_rates_file(gas, estate_twin, tmp_path):
    # Only gas leaks in the rates file: 810 flats × 3 a year ≈ 6.7 red incidents in the day.
    rates = tmp_path / "gas_rates.yaml"
    rates.write_text(
        "work_orders: []\nhazards:\n  gas_leak: {per_year: 3.0, channel: sensor}\n", encoding="utf-8"
    )
    sweep = tmp_path / "gas_sweep.yaml"
    sweep.write_text(
        f"name: Gas leaks\nbase: {REPO / 'scenarios' / 'estate_roster.yaml'}\n"
        "period: {start: 2026-01-05T00:00:00, days: 1}\nreplications: 1\nseed: 3\n"
        "background: {rates: gas_rates.yaml}\nvariants:\n  - name: today\n",
        encoding="utf-8",
    )
    outcome = run_sweep(estate_twin, load_sweep(sweep), tmp_path / "out", workers=1)
    assert outcome.ran == 1
    row = read_sweep(tmp_path / "out").rows.iloc[0]
    assert 1 <= row["red_incidents"] <= 20  # Poisson mean 6.7: outside [1, 20] has probability < 1e-4
    assert row["yellow_incidents"] == 0 and row["blue_incidents"] == 0  # no work orders, no other hazard
