"""The marking screen's largest repeated markup, built in one pass.

A unit with ten marking points and a portfolio of a hundred items puts a thousand
"evidence that shows it" checkboxes on the screen; a template loop spends about
fifty microseconds on each, this a few.
"""

from collections.abc import Collection, Iterable
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

CHECKBOX = (
    '<div class="form-check form-check-inline">'
    '<input class="form-check-input" type="checkbox" name="evidence-{0}"'
    ' id="evidence-{0}-{1}" value="{1}"{2}{3}>'
    ' <label class="form-check-label small" for="evidence-{0}-{1}">{4}{5}</label>'
    "</div>"
)


@register.simple_tag
def evidence_choices(evidence: Iterable[Any]) -> list[tuple[int, SafeString]]:
    """Each item's id and escaped title, worked out once for every point's list."""
    return [(int(item.pk), conditional_escape(item.title)) for item in evidence]


@register.simple_tag
def evidence_checkboxes(
    point_pk: int,
    choices: Iterable[tuple[int, SafeString]],
    checked: Collection[int],
    mapped: Collection[int],
    disabled: bool = False,
) -> SafeString:
    """One marking point's checkboxes for the items of evidence that show it
    (`choices` from `evidence_choices`), ticked as saved or as typed, each noting
    whether the learner mapped it."""
    point = int(point_pk)
    note = format_html(
        ' <span class="text-body-secondary">({})</span>', gettext("mapped by learner")
    )
    off = " disabled" if disabled else ""
    html = "\n".join(
        CHECKBOX.format(
            point,
            pk,
            " checked" if pk in checked else "",
            off,
            title,
            note if pk in mapped else "",
        )
        for pk, title in choices
    )
    # Every part is an int, a constant or already escaped (evidence_choices).
    return mark_safe(html)  # noqa: S308  # nosec B308 B703
