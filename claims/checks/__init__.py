"""The checks of DESIGN.md: pure rules (intervals, periods, rules), the engine that applies them to
the database (sweep and incremental path) and the flag services that record what they find."""
