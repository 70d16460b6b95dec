"""Report filters (input shape only; the selectors scope what the actor sees)."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

SORTS = [
    ("name", _("Name")),
    ("coverage", _("Coverage, lowest first")),
    ("achieved", _("Units achieved, fewest first")),
    ("idle", _("Longest since a submission")),
]


class QuickSelect(forms.Select):
    """A <select> built in Python with the same markup and attributes (id, class,
    aria-invalid and aria-describedby from the bound field): Django's Select
    renders a template per option, which cost a report page a millisecond."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, " selected" if str(choice) in chosen else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class ReportFilterForm(forms.Form):
    # Choices from the cohorts the view already loaded (one query per page).
    cohort = forms.TypedChoiceField(
        label=_("Cohort"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
    )
    unit = forms.TypedChoiceField(
        label=_("Unit"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
    )
    q = forms.CharField(label=_("Learner"), required=False, max_length=100)
    inactive_days = forms.IntegerField(
        label=_("No submission for at least (days)"),
        required=False,
        min_value=0,
        max_value=3650,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=SORTS, required=False, widget=QuickSelect
    )
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
