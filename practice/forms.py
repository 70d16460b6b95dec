"""Forms for practice: they check the shape of input; services decide the rest."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.models import PracticeSettings

GRADE_ERROR = _("Choose a grade from 1 (Again) to 4 (Easy).")


class ReviewForm(forms.Form):
    """One grade for the card that was shown (token and reps identify the showing)."""

    card = forms.IntegerField(min_value=1)
    rating = forms.IntegerField(
        min_value=1,
        max_value=4,
        error_messages={
            "required": GRADE_ERROR,
            "invalid": GRADE_ERROR,
            "min_value": GRADE_ERROR,
            "max_value": GRADE_ERROR,
        },
    )
    token = forms.UUIDField()
    reps = forms.IntegerField(min_value=0)


RETENTION_CHOICES = [
    ("0.8", _("80% — fewer reviews, more forgetting")),
    ("0.85", _("85%")),
    ("0.9", _("90% — recommended")),
    ("0.93", _("93%")),
    ("0.95", _("95% — many more reviews")),
]


class SettingsForm(forms.ModelForm):
    desired_retention = forms.TypedChoiceField(
        label=_("Desired retention"),
        choices=RETENTION_CHOICES,
        coerce=float,
        help_text=_(
            "How likely you want to be to remember a card when it comes back. "
            "It rises towards 95% in the last 30 days before your exam."
        ),
    )

    class Meta:
        model = PracticeSettings
        fields = [
            "desired_retention",
            "new_cards_per_day",
            "reviews_per_day",
            "session_size",
            "catch_up",
            "catch_up_days",
            "reminders",
        ]
        widgets = {
            "new_cards_per_day": forms.NumberInput(attrs={"min": 0, "max": 500}),
            "reviews_per_day": forms.NumberInput(attrs={"min": 0, "max": 2000}),
            "session_size": forms.NumberInput(attrs={"min": 1, "max": 200}),
            "catch_up_days": forms.NumberInput(attrs={"min": 1, "max": 30}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and not self.is_bound:
            self.initial["desired_retention"] = f"{self.instance.desired_retention:g}"

    def clean_session_size(self) -> int:
        value = self.cleaned_data["session_size"]
        if not 1 <= value <= 200:
            raise forms.ValidationError(_("Choose between 1 and 200 cards."))
        return value

    def clean_catch_up_days(self) -> int:
        value = self.cleaned_data["catch_up_days"]
        if not 1 <= value <= 30:
            raise forms.ValidationError(_("Choose between 1 and 30 days."))
        return value


class GoalForm(forms.Form):
    exam_date = forms.DateField(
        label=_("Exam or end-point assessment date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if you do not have a date yet."),
    )

    def clean_exam_date(self):
        value = self.cleaned_data["exam_date"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the past."))
        return value
