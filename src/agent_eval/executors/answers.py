"""Executed verdicts of saved markdown answers (`grade --execute`): the answer's SQL blocks on a real
PostgreSQL, probed for RLS."""

from __future__ import annotations

from collections.abc import Mapping

from agent_eval.executors.migrations import answer_migrations
from agent_eval.executors.postgres import PostgresServer
from agent_eval.executors.rls_probe import CHECK_ID as RLS_PROBE
from agent_eval.executors.rls_probe import probe_rls
from agent_eval.graders.model import Verdict
from agent_eval.graders.parsing import parse_response


def execute_answer(server: PostgresServer, text: str) -> dict[str, Verdict]:
    """{"rls-probe": verdict} for one answer; n/a when it has no SQL."""
    migrations = answer_migrations(parse_response(text))
    if not migrations:
        return {RLS_PROBE: Verdict(check=RLS_PROBE, status="n/a", reason="no SQL in the answer")}
    return {RLS_PROBE: probe_rls(server, migrations)}


def execute_answers(server: PostgresServer, texts: Mapping[str, str]) -> dict[str, dict[str, Verdict]]:
    return {name: execute_answer(server, text) for name, text in texts.items()}
