import csv
import io
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from engagement.ingest.channels import CHANNEL_COLUMNS
from engagement.ingest.interactions import INTERACTION_COLUMNS
from engagement.ingest.links import LINK_COLUMNS
from engagement.ingest.routes import ROUTE_COLUMNS
from engagement.ingest.rows import Column

WHAT_CHOICES = [
    ("interactions", "Interactions"),
    ("channels", "Channels"),
    ("links", "Links between identifiers (one person, with consent)"),
    ("link_withdrawals", "Link withdrawals (consent withdrawn)"),
    ("routes", "Routes (the ways in each force offers to each rung)"),
]


@dataclass(frozen=True)
class FileFormat:
    """What a file of one kind needs, for the import page and its template file: the columns
    the importer reads (its own list, so the page never disagrees with it) and an example row."""

    what: str
    columns: tuple[Column, ...]
    example: tuple[str, ...]

    @property
    def title(self) -> str:
        """How the page names a file of this kind ("Link withdrawals file")."""
        return self.what.replace("_", " ").capitalize() + " file"

    @property
    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def optional(self) -> list[str]:
        return [column.name for column in self.columns if not column.required]

    def template_csv(self) -> str:
        """The header line and one example row: a file to fill in."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(column.name for column in self.columns)
        writer.writerow(self.example)
        return out.getvalue()


# A volunteer who gave their handle when they registered: the same row records or withdraws it.
LINK_EXAMPLE = ("kent", "offline", "volunteer-0042", "twitter", "@someone", "2026-04-01", "")

FILE_FORMATS = {
    "interactions": FileFormat(
        "interactions",
        INTERACTION_COLUMNS,
        ("kent", "twitter-main", "@someone", "reply", "2026-04-01T09:30:00+01:00", "tweet-1234"),
    ),
    "channels": FileFormat(
        "channels",
        CHANNEL_COLUMNS,
        (
            "kent",
            "twitter-main",
            "twitter",
            "Kent Police on X",
            "Maidstone neighbourhood team",
            "https://x.com/kent_police",
        ),
    ),
    "links": FileFormat("links", LINK_COLUMNS, LINK_EXAMPLE),
    "link_withdrawals": FileFormat("link_withdrawals", LINK_COLUMNS, LINK_EXAMPLE),
    "routes": FileFormat(
        "routes",
        ROUTE_COLUMNS,
        (
            "kent",
            "5",
            "Special Constabulary intake",
            "",
            "https://www.kent.police.uk/specials",
            "2026-01-01",
            "",
        ),
    ),
}


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
