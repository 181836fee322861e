"""Thin command-line commands that wire the stages together, one module per command."""
