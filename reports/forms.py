"""The forms of the saved reports: a name to save under, and a schedule."""

from django import forms
from django.core.validators import validate_email

from reports.models import SavedReport


class SaveReportForm(forms.Form):
    name = forms.CharField(max_length=120, strip=True)
    suppress_below = forms.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        help_text="Withhold counts from 1 to this minus one (5 is usual practice; 0 or empty: "
        "the site's setting only).",
    )


class ScheduleForm(forms.Form):
    schedule = forms.ChoiceField(choices=SavedReport.Schedule.choices, required=False)
    weekday = forms.TypedChoiceField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ],
        coerce=int,
        required=False,
        empty_value=None,
    )
    day_of_month = forms.IntegerField(min_value=1, max_value=28, required=False)
    recipients = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_recipients(self) -> list[str]:
        addresses = [line.strip() for line in self.cleaned_data["recipients"].splitlines()]
        addresses = [address for address in addresses if address]
        for number, address in enumerate(addresses, start=1):
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"Line {number} is not an e-mail address: {address[:80]}"
                ) from None
        return addresses

    def clean(self):
        data = super().clean()
        schedule = data.get("schedule")
        if schedule == SavedReport.Schedule.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", "Choose the day of the week a weekly report runs.")
        if schedule == SavedReport.Schedule.MONTHLY and not data.get("day_of_month"):
            self.add_error("day_of_month", "Choose the day of the month (1 to 28) it runs.")
        return data
