"""Shared pytest set-up. Fixtures that start real servers live in tests/fixtures/ and are plugins here."""
