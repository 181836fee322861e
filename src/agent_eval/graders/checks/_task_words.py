"""Words of a standards task shared by several checks' `task_words`: a task about an HTTP endpoint."""

HTTP_TASK_WORDS = ("endpoint", "api", "route", "handler", "login", "webhook", "rest")
