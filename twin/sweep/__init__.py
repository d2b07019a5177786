"""Staffing sweeps: many rosters, many replications of a long period, on common random numbers.

:mod:`~twin.sweep.spec` reads sweep files and builds the variants; :mod:`~twin.sweep.execute`
runs them on a ``concurrent.futures`` executor (local processes or a Dask cluster);
:mod:`~twin.sweep.results` keeps the output folder durable and resumable;
:mod:`~twin.sweep.measures` turns one run into one row; :mod:`~twin.sweep.report` answers the
planner's questions from the rows.
"""
