"""Presentation: figures, plans, the replay, the scorecard, the report and the comparison of runs."""
