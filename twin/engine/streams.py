"""Randomness: one seed per run, one named stream per purpose (STYLE.md rule 6).

Two runs on the same seed draw the same bursts, delays and repair times for the same purposes,
whatever else differs between them (the roster, the policy): that is what makes comparisons
between rosters fair (common random numbers). Streams are ``numpy`` Generators seeded from a
``SeedSequence`` keyed by the seed and a stable hash of the purpose's name.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


class Streams:
    """Named random streams of one run: ``streams("channel:phone").uniform()``.

    A stream is created on first use and keeps its state for the run, so the k-th draw of a
    purpose is the same in every run with this seed.
    """

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        if not isinstance(seed, np.random.SeedSequence) and int(seed) < 0:
            # A scenario's seed: is checked by its schema; this is the one door every other seed
            # (--seed, a what-if file, Python) comes through, and SeedSequence takes none below 0.
            from twin.scenario.load import ScenarioError

            raise ScenarioError(f"seed: must be a whole number ≥ 0, got {int(seed)}; give 0 or more")
        self.seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
        self._streams: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        rng = self._streams.get(name)
        if rng is None:
            seq = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, _key(name)))
            rng = self._streams[name] = np.random.default_rng(seq)
        return rng
