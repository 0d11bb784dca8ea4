"""``python -m ssl_kb`` runs the CLI."""

from ssl_kb.cli import main

main()
