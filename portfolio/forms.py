"""Forms for portfolio pages: they check the shape of input; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio import rendering
from portfolio.models import Evidence

TEXTAREA = {"rows": 4, "class": "form-control"}
MARKUP_MESSAGE = _(
    "HTML and scripts are not allowed here. Use Markdown for formatting, such as"
    " **bold** or a list starting with “- ”."
)


class NoMarkupMixin:
    """Refuse HTML/script payloads at the field (they would be stripped anyway),
    so the learner knows why their text would change."""

    text_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.text_fields:
            if rendering.contains_markup(cleaned.get(name) or ""):
                self.add_error(name, MARKUP_MESSAGE)
        return cleaned


class LogForm(NoMarkupMixin, forms.ModelForm):
    """A reflective log: four structured parts or free text (Markdown allowed)."""

    text_fields = (
        "title",
        "what_happened",
        "what_i_did",
        "outcome",
        "learned",
        "free_text",
    )

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Evidence
        fields = [
            "title",
            "what_happened",
            "what_i_did",
            "outcome",
            "learned",
            "free_text",
        ]
        widgets = {
            "what_happened": forms.Textarea(attrs=TEXTAREA),
            "what_i_did": forms.Textarea(attrs=TEXTAREA),
            "outcome": forms.Textarea(attrs=TEXTAREA),
            "learned": forms.Textarea(attrs=TEXTAREA),
            "free_text": forms.Textarea(attrs={**TEXTAREA, "rows": 8}),
        }
        help_texts = {
            "outcome": _("Include any figures, such as a KPI or a time saved."),
            "free_text": _(
                "Or write it your own way. You may use Markdown: **bold**, *italic*,"
                " lists. Other formatting and any HTML are removed."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["class"] = "form-control"


class WitnessForm(NoMarkupMixin, forms.ModelForm):
    """A witness testimony: who the witness is and what they saw."""

    text_fields = (
        "title",
        "witness_name",
        "witness_role",
        "witness_contact",
        "free_text",
    )

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Evidence
        fields = [
            "title",
            "witness_name",
            "witness_role",
            "witness_contact",
            "free_text",
        ]
        labels = {"free_text": _("What the witness saw you do")}
        widgets = {"free_text": forms.Textarea(attrs={**TEXTAREA, "rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "witness_name", "witness_role", "witness_contact"):
            self.fields[name].widget.attrs["class"] = "form-control"


class UploadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave blank to use the file name."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
        help_text=_(
            "PDF, Word (.docx), OpenDocument (.odt), plain text, PNG, JPEG, MP3,"
            " M4A or MP4."
        ),
    )
    # One per rendered form: a second POST with it (a double-click) is answered
    # with the evidence the first one made.
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)


class DeclarationForm(forms.Form):
    declared_authentic = forms.BooleanField(
        label=_(
            "I confirm this portfolio is my own work, and any help I had is"
            " described below."
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    ai_use = forms.CharField(
        label=_("AI tools used and how"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 3}),
        help_text=_(
            "For example: “I used a grammar checker on my logs.” Write “None” if you used none."
        ),
    )
