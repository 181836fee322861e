"""Many requests → responses, concurrently: adaptive limits, retries, response cache, batches, progress."""
