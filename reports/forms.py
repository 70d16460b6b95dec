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
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=None, required=False)
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
        self.fields["cohort"].queryset = cohorts
        self.fields["cohort"].empty_label = None
        self.fields["unit"].choices = [("", _("All units"))] + [
            (u.pk, u.title) for u in units
        ]
