"""``python -m goldfleet`` runs the command line."""

from goldfleet.cli.main import run

run()
