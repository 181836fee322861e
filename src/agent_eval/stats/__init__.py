"""Results → estimates: Wilson intervals, McNemar, paired bootstrap, Wilcoxon, Holm, minimum detectable effect."""
