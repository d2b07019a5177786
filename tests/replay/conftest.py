"""The estate twin of the drill tests."""

from tests.engine.conftest import estate_twin

__all__ = ["estate_twin"]
