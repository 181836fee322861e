"""Two runs side by side: paired outcomes, the comparison and its tests, the CI gate, runs at revisions."""
