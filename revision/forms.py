"""Forms for revision pages: input shape only."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from revision.services import MAX_UPLOAD_BYTES


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search revision notes"), max_length=200, required=False
    )
    page = forms.CharField(required=False)

    def clean_page(self) -> int:
        """The page of results asked for; a malformed one means the first."""
        page = self.cleaned_data["page"]
        return int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1


class DocumentUploadForm(forms.Form):
    qualification = forms.ModelChoiceField(queryset=None, label=_("Qualification"))
    unit_title = forms.CharField(
        label=_("Unit"),
        max_length=300,
        required=False,
        help_text=_("Needed when the document does not name its unit."),
    )
    document = forms.FileField(
        label=_("Revision document"),
        help_text=_("A plain-text revision document or export JSON, up to 1 MB."),
    )

    def __init__(self, *args, qualifications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = qualifications
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return document
