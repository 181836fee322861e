"""Tools for agent authors: why an agent is (not) picked, and what to change (collisions, optimize)."""
