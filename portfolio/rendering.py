"""Turn what a learner typed into safe HTML: Markdown rendered, then sanitised.

nh3 (ammonia) keeps only the tags below, strips every attribute except a safe
href, drops <script>/<style> with their content, and adds rel="noopener
noreferrer nofollow" to links, so a log can never run script in an assessor's
browser.
"""

import re

import markdown
import nh3
from django.utils.translation import gettext_lazy as _

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
# Tags a browser would act on, event-handler attributes and script URLs.
_MARKUP = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|svg|math|style|link|meta|img|form|input"
    r"|button|base|html|body)\b|<[^>]*\bon[a-z]+\s*=|javascript\s*:|vbscript\s*:"
    r"|data\s*:\s*text/html"
)
URL_SCHEMES = {"http", "https", "mailto"}

SECTION_TITLES = {
    "what_happened": _("What happened"),
    "what_i_did": _("What I did and why"),
    "outcome": _("The outcome for the customer and the organisation"),
    "learned": _("What I learned and what I will do differently"),
}


def markdown_to_safe_html(text: str) -> str:
    """Render Markdown and strip everything that is not plain safe formatting."""
    if not text.strip():
        return ""
    html = markdown.markdown(text, extensions=["sane_lists", "tables"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def contains_markup(text: str) -> bool:
    """Whether the text holds HTML a browser would act on (tags such as script,
    event handlers, script URLs); sanitising would remove it."""
    return bool(_MARKUP.search(text.lower()))


def log_body_html(parts: dict[str, str], free_text: str) -> str:
    """The cached HTML of a log: each structured part under a heading, then the
    free text."""
    chunks = []
    for key, title in SECTION_TITLES.items():
        value = parts.get(key, "")
        if value.strip():
            chunks.append(f"<h3>{title}</h3>{markdown_to_safe_html(value)}")
    if free_text.strip():
        chunks.append(markdown_to_safe_html(free_text))
    return "\n".join(chunks)
