from django import forms

WHAT_CHOICES = [("interactions", "Interactions"), ("channels", "Channels")]


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label="What the file holds",
        choices=WHAT_CHOICES,
        widget=forms.RadioSelect,
        initial="interactions",
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header line.")
    dry_run = forms.BooleanField(
        label="Dry run: check and count everything, write nothing", required=False
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        """`allowed`: what this person may import ("interactions", "channels")."""
        super().__init__(*args, **kwargs)
        field = self.fields["what"]
        field.choices = [choice for choice in WHAT_CHOICES if choice[0] in allowed]
        field.initial = field.choices[0][0]
