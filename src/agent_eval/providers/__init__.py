"""Model requests → model responses: Anthropic, OpenAI-compatible, replay, the offline local router."""
