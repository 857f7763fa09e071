"""Demo and benchmark data for the catalogue (used by the load_demo command)."""
