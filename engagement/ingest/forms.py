from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

WHAT_CHOICES = [
    ("interactions", "Interactions"),
    ("channels", "Channels"),
    ("links", "Links between identifiers (one person, with consent)"),
    ("link_withdrawals", "Link withdrawals (consent withdrawn)"),
    ("routes", "Routes (the ways in each force offers to each rung)"),
]


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label="What the file holds",
        choices=WHAT_CHOICES,
        widget=forms.RadioSelect,
        initial="interactions",
    )
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header line; at most "
        f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}.",
    )
    dry_run = forms.BooleanField(
        label="Dry run: check and count everything, write nothing", required=False
    )

    too_large_file = False

    def __init__(self, *args, allowed: list[str], **kwargs):
        """`allowed`: what this person may import (the values of WHAT_CHOICES)."""
        super().__init__(*args, **kwargs)
        field = self.fields["what"]
        field.choices = [choice for choice in WHAT_CHOICES if choice[0] in allowed]
        field.initial = field.choices[0][0]

    @staticmethod
    def too_large() -> str:
        limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
        return (
            f"The file is larger than the upload limit ({limit}): nothing was imported. "
            "Split it, or import it with the import_interactions command."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            self.too_large_file = True
            raise forms.ValidationError(self.too_large())
        return upload
