"""Rule-based standards checks, one module per check, registered by id."""
