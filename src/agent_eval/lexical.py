"""TF-IDF over words, the project's one lexical measure: tokens, idf, weighted vectors and their cosine.

Pure Python and deterministic. `derive` ranks agents by how close their descriptions are, the offline
`local` router classifies requests by closeness to each agent's words; both read text through here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

# Keeps `next.js`, `c#`, `c++` and `i'm` whole.
_WORD = re.compile(r"[a-z][a-z0-9]*(?:[.+#'][a-z0-9+#]+)*")
# Function words. Words every agent description shares ("agent", "user", "example") are left to idf: as
# stopwords they cost the local router's leave-one-out accuracy (0.74 to 0.71 on a two-agent roster).
_STOPWORD_TEXT = """
    a about after all also am an and any are as at be because been before being but by can could did do
    does doing done for from had has have having he her here him his how i if in into is it its just let me
    my need needs no not now of on one or our out over please should so some than that the their them then
    there these they this those to too up us use uses using want was we were what when where which while who
    why will with would you your i'd i'll i'm i've let's"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def _stem(word: str) -> str:
    """Crude suffix stripping, enough to meet `endpoint`/`endpoints`, `cache`/`caching`."""
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words of `text`."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def idf_weights(counts: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every term of `counts` (one term count per document)."""
    frequency = Counter(term for count in counts for term in count)
    total = len(counts)
    return {term: math.log((1 + total) / (1 + n)) + 1.0 for term, n in frequency.items()}


def normalised(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / norm for t, w in vector.items()}


def weigh(count: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """The L2-normalised vector of sublinear tf × idf; terms without an idf (unseen) are dropped."""
    return normalised({t: (1.0 + math.log(n)) * idf[t] for t, n in count.items() if t in idf})


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(w * large.get(t, 0.0) for t, w in small.items())


def tfidf_vectors(documents: Sequence[str]) -> list[dict[str, float]]:
    """One normalised TF-IDF vector per document, idf taken over `documents`."""
    counts = [Counter(tokens(doc)) for doc in documents]
    idf = idf_weights(counts)
    return [weigh(count, idf) for count in counts]


def surface_forms(texts: Sequence[str]) -> dict[str, str]:
    """Each term of `texts` → the word it most often stands for there, to show a person `migration`
    rather than the stem `migr`."""
    seen: dict[str, Counter[str]] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if word not in STOPWORDS and len(word) > 1:
                seen.setdefault(_stem(word), Counter())[word] += 1
    return {term: words.most_common(1)[0][0] for term, words in seen.items()}
