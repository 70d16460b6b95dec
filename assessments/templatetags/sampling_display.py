"""Readable wording for why a decision was sampled for IQA.

Decisions store their sample reasons as stable codes (assessments.sampling); people
see these sentences instead.
"""

from django import template
from django.utils.translation import gettext_lazy as _

from assessments import sampling

register = template.Library()

REASON_LABELS = {
    sampling.REASON_BASE: _("base rate"),
    sampling.REASON_NEW: _("new assessor"),
    sampling.REASON_DISAGREEMENT: _("recent IQA disagreements"),
    sampling.REASON_DIVERGENCE: _(
        "judgements often differ from learners' self-assessments"
    ),
    sampling.REASON_FAST: _("marked unusually fast"),
    sampling.REASON_ASSESSOR_COVERAGE: _(
        "first decision this quarter for this assessor"
    ),
    sampling.REASON_UNIT_COVERAGE: _("first this quarter for this unit"),
}


@register.filter
def sample_reason_labels(codes) -> list[str]:
    """The readable reasons for a decision's stored sample_reasons codes."""
    return [
        str(REASON_LABELS.get(code, code.replace("_", " "))) for code in codes or ()
    ]
