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
