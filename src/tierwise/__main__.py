"""``python -m tierwise``: the same as the ``tierwise`` command."""

from tierwise.cli import main

main()
