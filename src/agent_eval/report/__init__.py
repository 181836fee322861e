"""A stored run → one self-contained HTML page; comparisons of two runs; the CI gate."""
