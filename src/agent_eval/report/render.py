"""The jinja2 environment shared by every page (autoescape on), its filters, and the page assets."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from agent_eval import __version__
from agent_eval.run.summary import interval_label, rate_label, sample_label
from agent_eval.stats.clustered import Rate


def packed_island(value: Any) -> str:
    """`value` as gzip-compressed JSON in base64, for a `<script type="application/gzip">` data island.

    Base64 has no `<`, `&` or quotes, so whatever model output the data holds, it cannot end the element
    or become markup; compression keeps a 5,000-result report small. The page's script unpacks it.
    """
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


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


def _ratecell(rate: Rate) -> str:
    if not rate.n:
        return "— (n=0)"
    return f"{rate.rate:.0%} ({interval_label(rate)}, {sample_label(rate)})"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("agent_eval.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pct=_pct,
        money=_money,
        num=_num,
        seconds=_seconds,
        ratecell=_ratecell,
        pvalue=_pvalue,
        rate_label=rate_label,
        ci=interval_label,
        sample=sample_label,
    )
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
    return (
        environment()
        .get_template(template)
        .render(
            css=Markup(_asset("style.css")),
            script=Markup(script),
            script_source=script_source,
            version=__version__,
            **context,
        )
    )
