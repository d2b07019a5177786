"""The event log as a stage of its own: whatever made a log (a drill, an imported work-order
history, a live exercise), everything downstream reads it through this package."""
