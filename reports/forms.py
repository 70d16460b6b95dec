"""Report filters (input shape only; the selectors scope what the actor sees)."""

from django import forms
from django.utils.translation import gettext_lazy as _

SORTS = [
    ("name", _("Name")),
    ("coverage", _("Coverage, lowest first")),
    ("achieved", _("Units achieved, fewest first")),
    ("idle", _("Longest since a submission")),
]


class ReportFilterForm(forms.Form):
    # Choices from the cohorts the view already loaded (one query per page).
    cohort = forms.TypedChoiceField(
        label=_("Cohort"), required=False, coerce=int, empty_value=None
    )
    unit = forms.TypedChoiceField(
        label=_("Unit"), required=False, coerce=int, empty_value=None
    )
    q = forms.CharField(label=_("Learner"), required=False, max_length=100)
    inactive_days = forms.IntegerField(
        label=_("No submission for at least (days)"),
        required=False,
        min_value=0,
        max_value=3650,
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, cohorts, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [(c.pk, str(c)) for c in cohorts]
        self.fields["unit"].choices = [("", _("All units"))] + [
            (u.pk, u.title) for u in units
        ]
        for field in self.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = (
                "form-select"
                if isinstance(field.widget, forms.Select)
                else "form-control"
            )
            field.widget.attrs["class"] = css
        self.fields["q"].widget.attrs["placeholder"] = _("Name or reference")
        self.fields["inactive_days"].widget.attrs["inputmode"] = "numeric"
