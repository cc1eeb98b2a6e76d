"""``python -m secureops`` runs the CLI."""

from secureops.cli import main

main()
