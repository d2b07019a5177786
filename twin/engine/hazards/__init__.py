"""Hazards as SimPy processes with physical state: pipe burst, power loss, storm, flooding."""
