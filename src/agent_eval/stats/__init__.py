"""Results → estimates: Wilson and clustered (scenario-level) intervals, McNemar, paired bootstrap, Wilcoxon,
Holm, detectable effect."""
