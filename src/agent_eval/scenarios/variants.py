"""Surface variations of a request that keep its intent: hand-written rewrite rules, deterministic, offline.

Each kind is a pure function of the text and a seed string (the base scenario id), so re-deriving gives the
same words. Only the first line is rewritten: code pasted below it stays intact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Literal

VariantKind = Literal["paraphrase", "terse", "verbose", "typo", "other-framework"]
VARIANT_KINDS: tuple[VariantKind, ...] = ("paraphrase", "terse", "verbose", "typo", "other-framework")


def pick(seed: str, choices: Sequence[str]) -> str:
    """A stable choice: the same seed always picks the same item (Python's hash() is salted per process)."""
    return choices[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(choices)]


def _split_head(text: str) -> tuple[str, str]:
    head, newline, tail = text.partition("\n")
    return head.strip(), newline + tail


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


# How people reword the opening of a request; the first matching rule applies.
_IMPERATIVE = (
    r"^(write|build|set up|add|create|design|stream|review|audit|check|fix|turn|make|update|migrate|"
    r"profile|find|explain|document|generate|refactor|implement|move|decide|look over|put|investigate|debug)"
    r"\b(.+?)\.?$"
)
_REPHRASINGS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"^I need to (.+?)\.?$", r"Could you \1?"),
        (r"^I want to (.+?)\.?$", r"I'd like to \1. Can you take that on?"),
        (r"^I'd like to (.+?)\.?$", r"Please \1."),
        (
            r"^I(?:'ve| have) (?:just )?(created|written|built|finished|added|made|updated) (.+?)\.?$",
            r"Just \1 \2. Thoughts?",
        ),
        (r"^Here(?:'s| is| are) (.+?)\.?$", r"Take a look at \1."),
        (r"^Our (.+?)\.?$", r"The \1. What can we do about it?"),
        (r"^We need (.+?)\.?$", r"The team needs \1."),
        (r"^(?:Can|Could) you (.+?)\??$", r"Please \1."),
        (r"^Please (.+?)\.?$", r"Can you \1?"),
        (r"^Help me (.+?)\.?$", r"I need a hand to \1."),
        (r"^How (?:do|can|should) (?:I|we) (.+?)\??$", r"What's the right way to \1?"),
        (_IMPERATIVE, lambda match: f"Could you {match.group(1).lower()}{match.group(2)}?"),
    )
)
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("add", "put in"),
    ("build", "implement"),
    ("fix", "sort out"),
    ("set up", "configure"),
    ("endpoint", "route"),
    ("review", "look over"),
    ("slow", "sluggish"),
    ("reduce", "cut"),
    ("check", "verify"),
)


# For a request no rule reframes (a bare problem report): a lead-in that asks for help without hinting
# at how big the job is.
_LEAD_INS = ("Can you help me with this? {}", "Need your help here. {}", "Could you take this on? {}")


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w/.-]){re.escape(word)}(?![\w/-])", re.IGNORECASE)


def paraphrase(text: str, seed: str) -> str:
    """The opening sentence reframed by the first matching rule, then up to two words swapped for synonyms."""
    head, tail = _split_head(text)
    boundary = re.search(r"(?<=[.?!])\s+", head)
    first, rest = (head[: boundary.start()], head[boundary.start() :]) if boundary else (head, "")
    reworded_first = first
    for pattern, replacement in _REPHRASINGS:
        if pattern.search(first):
            reworded_first = pattern.sub(replacement, first, count=1)
            break
    reworded = reworded_first + rest
    substitutions = 0
    for word, synonym in _SYNONYMS:
        pattern = _word_pattern(word)
        if substitutions < 2 and pattern.search(reworded):
            reworded = pattern.sub(synonym, reworded, count=1)
            substitutions += 1
    if reworded == head:
        reworded = pick(seed, _LEAD_INS).format(_sentence(head))
    return reworded[0].upper() + reworded[1:] + tail


_FILLER = re.compile(
    r"^(?:hi|hey|so|ok|okay)?[,!]?\s*(?:i need to|i want to|i'd like to|i would like to|we need to|"
    r"can you|could you|please|help me|i've|i have|here's|here is|our|we have to)\s+",
    re.IGNORECASE,
)
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("authentication", "auth"),
    ("authorization", "authz"),
    ("database", "db"),
    ("application", "app"),
    ("configuration", "config"),
    ("performance", "perf"),
    ("environment", "env"),
    ("production", "prod"),
    ("documentation", "docs"),
    ("repository", "repo"),
    ("with", "w/"),
    ("and", "&"),
    ("seconds", "s"),
)
_ARTICLES = re.compile(r"\b(?:the|a|an)\s+", re.IGNORECASE)


def terse(text: str, seed: str) -> str:
    head, tail = _split_head(text)
    short = _FILLER.sub("", head, count=1)
    short = _ARTICLES.sub("", short)
    for word, abbreviation in _ABBREVIATIONS:
        short = _word_pattern(word).sub(abbreviation, short)
    short = re.sub(r"(\d) s\b", r"\1s", short).rstrip(" .!?")
    short = short[0].lower() + short[1:] if short[:2] != short[:2].upper() else short
    return short + tail


_PREAMBLES = (
    "Hi! Some background first: we're a small team running a SaaS product in production, and I've been "
    "going back and forth on this for a while.",
    "Hey, hope your day is going well. I'm picking this up right after a long planning meeting and I want "
    "to get it right the first time.",
    "Quick context before the actual ask: this is for the project in this repo, which is live with paying "
    "customers, so I'd rather be careful.",
)
_CLOSINGS = (
    "Take whatever time you need, and tell me if anything about the setup is unclear.",
    "Please keep our existing conventions in mind; the rest of the codebase follows them closely.",
    "I'd appreciate it if you explained your reasoning as you go, since I'll have to defend it in review.",
)


def verbose(text: str, seed: str) -> str:
    head, tail = _split_head(text)
    return f"{pick(seed + ':pre', _PREAMBLES)} {_sentence(head)} {pick(seed + ':post', _CLOSINGS)}{tail}"


def typo(text: str, seed: str) -> str:
    """Two fast-typing slips: adjacent inner letters swapped in two words of five letters or more."""
    head, tail = _split_head(text)
    words = head.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
    chosen: list[int] = []
    for round_ in range(2):
        remaining = [str(i) for i in candidates if i not in chosen]
        if remaining:
            chosen.append(int(pick(f"{seed}:typo{round_}", remaining)))
    for i in chosen:
        word = words[i]
        at = 1 + int(hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), 16) % (len(word) - 3)
        words[i] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    slipped = " ".join(words)
    return slipped[0].lower() + slipped[1:] + tail


# A named framework swapped for a peer that keeps the request's intent (same layer of the stack).
_FRAMEWORK_SWAPS: tuple[tuple[str, str], ...] = (
    ("Next.js", "Remix"),
    ("Express", "Fastify"),
    ("Fastify", "Hono"),
    ("Hono", "Express"),
    ("NestJS", "Express"),
    ("Django", "FastAPI"),
    ("FastAPI", "Flask"),
    ("Flask", "Django"),
    ("Rails", "Laravel"),
    ("Supabase", "Prisma on Postgres"),
    ("Prisma", "Drizzle"),
    ("Drizzle", "Prisma"),
    ("PostgreSQL", "MySQL"),
    ("Postgres", "MySQL"),
    ("MySQL", "PostgreSQL"),
    ("MongoDB", "DynamoDB"),
    ("Redis", "Memcached"),
    ("Kafka", "RabbitMQ"),
    ("RabbitMQ", "Kafka"),
    ("React", "Vue"),
    ("Vue", "Svelte"),
    ("Jest", "Vitest"),
    ("Vitest", "Jest"),
    ("pytest", "unittest"),
    ("Playwright", "Cypress"),
    ("Cypress", "Playwright"),
    ("Kubernetes", "Nomad"),
    ("Terraform", "Pulumi"),
    ("GitHub Actions", "GitLab CI"),
    ("Airflow", "Dagster"),
    ("Snowflake", "BigQuery"),
)
_STACK_MENTIONS = (
    " (the project is a NestJS app with Prisma)",
    " (we're on Django and PostgreSQL)",
    " (this is a Go service backed by Postgres)",
    " (our stack is Express with MySQL)",
    " (it's a FastAPI app on SQLAlchemy)",
)
# Every framework an other-framework variant can bring in.
FRAMEWORKS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *(name for pair in _FRAMEWORK_SWAPS for side in pair for name in side.split(" on ")),
            "NestJS",
            "Django",
            "Go",
            "Express",
            "FastAPI",
            "SQLAlchemy",
        ]
    )
)


def other_framework(text: str, seed: str) -> str:
    head, tail = _split_head(text)
    for name, peer in _FRAMEWORK_SWAPS:
        pattern = _word_pattern(name)
        if pattern.search(head):
            return pattern.sub(peer, head, count=1) + tail
    trimmed = head.rstrip(" .!?")
    return trimmed + pick(seed, _STACK_MENTIONS) + head[len(trimmed) :] + tail


def introduced_frameworks(original: str, rewritten: str) -> list[str]:
    """The frameworks `rewritten` names and `original` does not."""
    return [
        name
        for name in FRAMEWORKS
        if _word_pattern(name).search(rewritten) and not _word_pattern(name).search(original)
    ]


REWRITERS: dict[VariantKind, Callable[[str, str], str]] = {
    "paraphrase": paraphrase,
    "terse": terse,
    "verbose": verbose,
    "typo": typo,
    "other-framework": other_framework,
}


def rewrite(kind: VariantKind, text: str, seed: str) -> str:
    return REWRITERS[kind](text, seed)
