"""Helpers that only tests use: kept here so the product does not carry them."""
