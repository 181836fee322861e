"""Results → estimates: Wilson intervals, McNemar, paired bootstrap, Wilcoxon, Holm, detectable effect."""
