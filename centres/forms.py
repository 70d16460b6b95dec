"""Forms for the centres app (input shape only)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CentreSwitchForm(forms.Form):
    centre = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, allowed_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_ids = allowed_ids

    def clean_centre(self) -> int:
        centre_id = self.cleaned_data["centre"]
        if centre_id not in self.allowed_ids:
            raise forms.ValidationError(_("You are not a member of that centre."))
        return centre_id


# --- Centre console -----------------------------------------------------------------
class DateInput(forms.DateInput):
    input_type = "date"


class CohortForm(forms.Form):
    """A cohort's name, qualification (on creation only), dates and marking target."""

    name = forms.CharField(label=_("Name"), max_length=200)
    qualification = forms.ModelChoiceField(
        label=_("Qualification"), queryset=None, empty_label=_("Choose…")
    )
    start_date = forms.DateField(
        label=_("Start date"), required=False, widget=DateInput
    )
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput)
    marking_target_days = forms.IntegerField(
        label=_("Marking target (working days)"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Leave blank to use the centre's target."),
    )

    def __init__(self, *args, qualifications=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["qualification"]
        else:
            self.fields["qualification"].queryset = qualifications

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be on or after the start."))
        return data


class CohortStaffForm(forms.Form):
    """Who assesses and who quality-assures a cohort (this centre's staff only)."""

    assessors = forms.ModelMultipleChoiceField(
        label=_("Assessors"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    iqas = forms.ModelMultipleChoiceField(
        label=_("Internal quality assurers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, assessors, iqas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = assessors
        self.fields["iqas"].queryset = iqas
        for name in ("assessors", "iqas"):
            self.fields[name].label_from_instance = lambda u: (
                f"{u.get_full_name() or u.username} ({u.email or u.username})"
            )


class EnrolmentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet of learners"),
        help_text=_(
            "CSV (UTF-8) or Excel .xlsx, first row: first name, last name, email, "
            "learner reference (optional). At most 5,000 learners per file."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt", ".xls")):
            raise forms.ValidationError(
                _("Upload a .csv or .xlsx file (this one is “%(name)s”).")
                % {"name": upload.name}
            )
        return upload


class NotificationPreferencesForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        label=_("Email me about"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled"].choices = choices


# --- Personal data ------------------------------------------------------------------
class ErasureConfirmForm(forms.Form):
    """The admin types the person's username to confirm an erasure."""

    confirmation = forms.CharField(
        label=_("Type the username to confirm"), max_length=150, strip=True
    )
