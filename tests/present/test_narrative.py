"""The event log in words: each kind a sentence a person reads without the codebook."""

from __future__ import annotations

import math

import pandas as pd

from twin.events.log import KINDS
from twin.present.narrative import SENTENCES, event_sentences
from twin.scenario import load_scenario
from twin.scenario.load import scenarios_dir


def frame(rows: list[tuple[str, str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "person", "place", "value", "detail"])


def test_every_kind_of_the_log_has_a_sentence() -> None:
    assert set(SENTENCES) == set(KINDS)


def test_codes_become_words() -> None:
    scenario = load_scenario(scenarios_dir() / "night_riser_burst.yaml").scenario
    said = list(
        event_sentences(
            frame(
                [
                    ("task", "", "Garage C", 0.0, "clean up|general:1 or plumber:2"),
                    ("dispatched", "N-SEC1", "Riser valve B L14", 72.0, "close the valve"),
                    ("incident", "", "Riser B L14", 0.0, "pipe_burst|red|Burst at Riser B L14"),
                    ("entrapment", "", "Lobby A L12", 1.0, "Lift A1"),
                    ("made_safe", "", "", math.nan, ""),
                    ("lift", "", "Lobby", 1.0, "Lift A1"),
                ]
            ),
            scenario,
        )
    )
    assert said == [
        "New task “clean up” at Garage C, for general (level 1+) or plumber (level 2+)",
        "N-SEC1 · Guard (valve trained) sent to Riser valve B L14 to close the valve (about 1.2 min away)",
        "Incident (red): Burst at Riser B L14",
        "1 person trapped in Lift A1 at Lobby A L12",
        "Made safe",
        "Lift A1 runs again",
    ]
