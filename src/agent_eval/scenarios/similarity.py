"""Lexical closeness of texts: TF-IDF vectors compared by cosine similarity (pure Python, deterministic)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9]+(?:[.+#][a-z0-9]+)*")
# Words every agent description shares; they say nothing about which agent a text belongs to.
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "let",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "they",
        "this",
        "to",
        "use",
        "user",
        "we",
        "when",
        "will",
        "with",
        "you",
        "your",
        "agent",
        "assistant",
        "example",
        "examples",
        "context",
        "uses",
        "tool",
        "invoke",
        "task",
        "need",
        "needs",
        "want",
        "just",
    }
)


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]


def tfidf_vectors(documents: Sequence[str]) -> list[dict[str, float]]:
    """One L2-normalised TF-IDF vector per document (smoothed idf, as in the common textbook form)."""
    counts = [Counter(tokens(doc)) for doc in documents]
    frequency = Counter(term for count in counts for term in count)
    total = len(documents)
    vectors: list[dict[str, float]] = []
    for count in counts:
        weights = {t: n * (math.log((1 + total) / (1 + frequency[t])) + 1.0) for t, n in count.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(w * large.get(t, 0.0) for t, w in small.items())


def closeness_to(target: str, others: Sequence[str], corpus: Sequence[str] = ()) -> list[float]:
    """Cosine similarity of each of `others` to `target`, idf computed over target + others + corpus."""
    vectors = tfidf_vectors([target, *others, *corpus])
    return [cosine(vectors[0], v) for v in vectors[1 : 1 + len(others)]]
