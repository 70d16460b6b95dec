"""Forms for marking and quality assurance: input shape only (rules live in
services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import IqaVerdict
from assessments.services import JudgementInput


def parse_judgements(data, point_ids: list[int]) -> dict[int, JudgementInput]:
    """Read `value-<id>`, `comment-<id>` and `evidence-<id>` fields for each point
    named in the form (`point` fields), so a point from another unit posted by hand
    reaches the service and is refused there with a clear message."""
    posted = []
    for raw in data.getlist("point") or [str(pk) for pk in point_ids]:
        try:
            posted.append(int(raw))
        except (TypeError, ValueError):
            continue
    result = {}
    for pk in posted:
        evidence = []
        for raw in data.getlist(f"evidence-{pk}"):
            try:
                evidence.append(int(raw))
            except (TypeError, ValueError):
                continue
        result[pk] = JudgementInput(
            value=data.get(f"value-{pk}"),
            comment=data.get(f"comment-{pk}", ""),
            evidence_ids=tuple(evidence),
        )
    return result


def posted_version(data) -> int | None:
    for key in ("overwrite_version", "version"):
        try:
            return int(data.get(key))
        except (TypeError, ValueError):
            continue
    return None


class QueueFilterForm(forms.Form):
    cohort = forms.TypedChoiceField(
        label=_("Cohort"), required=False, coerce=int, empty_value=None
    )
    unit = forms.TypedChoiceField(
        label=_("Unit"), required=False, coerce=int, empty_value=None
    )
    assessor = forms.TypedChoiceField(
        label=_("Assessor"), required=False, coerce=int, empty_value=None
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, cohorts=(), units=(), assessors=(), **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("All"))]
        self.fields["cohort"].choices = everyone + list(cohorts)
        self.fields["unit"].choices = everyone + list(units)
        if assessors:
            self.fields["assessor"].choices = everyone + list(assessors)
        else:
            del self.fields["assessor"]


class AnchorForm(forms.Form):
    evidence = forms.IntegerField(widget=forms.HiddenInput)
    quote = forms.CharField(
        label=_("Passage"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Select text in a log to fill this in, or paste it."),
    )
    marking_point = forms.IntegerField(label=_("Marking point"), required=False)
    body = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BankForm(forms.Form):
    text = forms.CharField(
        label=_("Comment to reuse"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shared = forms.BooleanField(
        label=_("Share with every assessor at the centre"), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Your verdict"), choices=IqaVerdict.choices, widget=forms.RadioSelect
    )
    valid = forms.BooleanField(label=_("Valid"), required=False)
    authentic = forms.BooleanField(label=_("Authentic"), required=False)
    current = forms.BooleanField(label=_("Current"), required=False)
    sufficient = forms.BooleanField(label=_("Sufficient"), required=False)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    action_points = forms.CharField(
        label=_("Action points for the assessor (one a line)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseActionForm(forms.Form):
    note = forms.CharField(
        label=_("What you did"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
