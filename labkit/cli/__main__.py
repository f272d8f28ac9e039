"""`python -m labkit.cli …`: the same as the `labkit` console script."""

from labkit.cli import main

main()
