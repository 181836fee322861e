"""The jinja2 environment shared by every page (autoescape on), its filters, and the page assets."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from agent_eval import __version__

# JSON inside <script> must never close the element or open a comment: escape the characters that could.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def json_island(value: Any) -> Markup:
    """JSON for a `<script type="application/json">` data island, safe whatever strings it contains."""
    return Markup(json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE))


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _money(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def _pvalue(value: float) -> str:
    return f"{value:.1e}" if value < 1e-4 else f"{value:.4f}"


def _ratecell(rate: Any) -> str:
    if not rate.n:
        return "— (n=0)"
    return f"{rate.value * 100:.0f}% ({rate.low * 100:.0f}–{rate.high * 100:.0f}%, n={rate.n})"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("agent_eval.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, money=_money, num=_num, seconds=_seconds, ratecell=_ratecell, pvalue=_pvalue)
    return env


def _asset(name: str) -> str:
    return (resources.files("agent_eval.report") / "templates" / name).read_text(encoding="utf-8")


def render_page(template: str, *, with_script: bool, **context: Any) -> str:
    """Render `template` with the shared stylesheet and, if asked, the table script.

    The page's Content-Security-Policy allows only that script, by hash: even markup that slipped past
    escaping could not run anything.
    """
    script = _asset("app.js") if with_script else ""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    script_source = f"'sha256-{digest}'" if with_script else "'none'"
    return environment().get_template(template).render(
        css=Markup(_asset("style.css")),
        script=Markup(script),
        script_source=script_source,
        version=__version__,
        **context,
    )
