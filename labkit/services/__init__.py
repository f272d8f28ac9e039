"""Start and stop the real servers the lab runs on (Valkey, PostgreSQL), shared by `labkit up` and tests."""
