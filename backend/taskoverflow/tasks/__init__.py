"""Work that runs in background workers (pure functions of their inputs)."""
