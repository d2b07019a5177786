"""Work-order histories: import a maintenance system's export onto the twin, and calibrate rates.

mapping (the mapping file: columns, value maps, time zone), presets (known exports' column
names), read (log + mapping → :class:`~twin.history.read.History`, every row accounted for),
calibrate (a history → a rates file a scenario's ``background:`` loads).
"""

from twin.history.mapping import LoadedMapping, Mapping, MappingError, load_mapping, parse_mapping
from twin.history.read import (
    FLAGS,
    INCIDENT_COLUMNS,
    REASONS,
    REJECTED_COLUMNS,
    History,
    HistoryError,
    Summary,
    read_history,
    sample_files,
)

__all__ = [
    "FLAGS",
    "INCIDENT_COLUMNS",
    "REASONS",
    "REJECTED_COLUMNS",
    "History",
    "HistoryError",
    "LoadedMapping",
    "Mapping",
    "MappingError",
    "Summary",
    "load_mapping",
    "parse_mapping",
    "read_history",
    "sample_files",
]
