"""A stored run (or a comparison of two) → one self-contained HTML page; rendering only."""
