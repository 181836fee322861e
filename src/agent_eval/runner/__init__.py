"""Many requests → responses, concurrently: adaptive limits, retries, response cache, batches, progress."""

from agent_eval.runner.limiter import AdaptiveLimiter
from agent_eval.runner.pool import ResponseCache, RunOutcome, WorkItem, run_all

__all__ = ["AdaptiveLimiter", "ResponseCache", "RunOutcome", "WorkItem", "run_all"]
