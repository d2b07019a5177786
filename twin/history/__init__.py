"""Work-order histories: import a maintenance system's log, rebuild it on the twin, ask what if."""
