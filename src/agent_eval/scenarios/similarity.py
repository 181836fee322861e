"""How close texts are to one target text: TF-IDF cosine similarity (see `agent_eval.lexical`)."""

from __future__ import annotations

from collections.abc import Sequence

from agent_eval.lexical import cosine, tfidf_vectors


def closeness_to(target: str, others: Sequence[str], corpus: Sequence[str] = ()) -> list[float]:
    """Cosine similarity of each of `others` to `target`, idf computed over target + others + corpus."""
    vectors = tfidf_vectors([target, *others, *corpus])
    return [cosine(vectors[0], v) for v in vectors[1 : 1 + len(others)]]
