from django import forms


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label="What the file holds",
        choices=[("interactions", "Interactions"), ("channels", "Channels")],
        widget=forms.RadioSelect,
        initial="interactions",
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header line.")
    dry_run = forms.BooleanField(
        label="Dry run: check and count everything, write nothing", required=False
    )
