"""The forms of the import-profile pages: choosing an export and a profile, then mapping it.

The mapping form is built from what the file holds (a CSV header's columns, the paths of a JSON
export's first record, the words found where the kind is read) and turns back into a profile
document (engagement.ingest.profiles), which the checks of the profile itself then judge.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from engagement.ingest.profiles import FIELDS, FORMATS

NEW = ""
SKIP = "-skip-"
UNMAPPED = ""
FIELD_LABELS = {
    "force": "Force",
    "channel": "Channel",
    "citizen": "Citizen (the person's identifier on the platform)",
    "kind": "Kind of interaction",
    "occurred_at": "When it happened",
    "external_id": "The tool's own id of the record (optional; finds duplicates)",
}
# A form field may not be named with a hyphen-less word alone; the words are numbered instead.
MAX_WORDS = 50


class ExportForm(forms.Form):
    """Step one: the export, and the profile to read it with (or a new one)."""

    file = forms.FileField(
        label="The export (CSV or JSON)",
        help_text=f"UTF-8; at most {filesizeformat(settings.UPLOAD_MAX_BYTES)}.",
    )
    profile = forms.ChoiceField(label="Read it with", required=False)
    format = forms.ChoiceField(
        label="For a new profile: the file is",
        choices=[("csv", "CSV (a header line, then rows)"), ("json", "JSON")],
        initial="csv",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(NEW, "A new profile: I will map the columns"), *choices]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
            raise forms.ValidationError(f"The file is larger than the upload limit ({limit}).")
        return upload


class MappingForm(forms.Form):
    """Step two: where each of Ladder's fields is, the words as kinds, and what to do."""

    name = forms.SlugField(
        label="Profile name (to save it)",
        max_length=63,
        required=False,
        help_text="Lower-case letters, digits and hyphens.",
    )
    records = forms.CharField(
        label="Where the records are (a dotted path to the list; several separated by commas)",
        required=False,
        widget=forms.TextInput(attrs={"list": "record-lists"}),
    )
    time_format = forms.CharField(
        label="How the tool writes times (strptime, e.g. %d/%m/%Y %H:%M; empty: ISO 8601)",
        required=False,
    )
    save_for = forms.ChoiceField(label="Save the profile for", required=False)
    dry_run = forms.BooleanField(
        label="Dry run: check and count everything, write nothing", required=False
    )

    def __init__(
        self,
        *args: Any,
        format: str,
        columns: list[str],
        words: list[str],
        kinds: list[str],
        forces: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        assert format in FORMATS
        self.format = format
        self.words = words[:MAX_WORDS]
        if format == "csv":
            del self.fields["records"]
        self.datalist = columns if format == "json" else []
        for name in FIELDS:
            label = FIELD_LABELS[name]
            if format == "csv":
                choices = [("", "(not in the file)"), *[(c, c) for c in columns]]
                self.fields[f"from_{name}"] = forms.ChoiceField(
                    label=f"{label}: column", choices=choices, required=False
                )
            else:
                self.fields[f"from_{name}"] = forms.CharField(
                    label=f"{label}: path in a record",
                    required=False,
                    widget=forms.TextInput(attrs={"list": "record-paths"}),
                    help_text="Several paths for the kind, separated by commas: the first "
                    "with a value."
                    if name == "kind"
                    else "",
                )
            if name == "force":
                self.fields["fixed_force"] = forms.ChoiceField(
                    label="Force: or one for the whole file",
                    choices=[("", "(from the file)"), *forces],
                    required=False,
                )
            elif name == "kind":
                self.fields["fixed_kind"] = forms.ChoiceField(
                    label="Kind: or one for the whole file",
                    choices=[("", "(from the file)"), *[(k, k) for k in kinds]],
                    required=False,
                )
            elif name == "channel":
                self.fields["fixed_channel"] = forms.CharField(
                    label="Channel: or one for the whole file (its slug)", required=False
                )
        word_choices = [(UNMAPPED, "(not mapped)"), (SKIP, "skip: not an interaction")]
        word_choices += [(kind, kind) for kind in kinds]
        for index, word in enumerate(self.words):
            self.fields[f"word_{index}"] = forms.ChoiceField(
                label=f"“{word}”" if word else "(no value)",
                choices=word_choices,
                required=False,
            )
        self.fields["save_for"].choices = forces

    def mapping_rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """Each Ladder field: where in the file, and the one value for the whole file."""
        rows = []
        for name in FIELDS:
            fixed = self[f"fixed_{name}"] if f"fixed_{name}" in self.fields else None
            rows.append((self[f"from_{name}"], fixed))
        return rows

    def word_fields(self) -> list[forms.BoundField]:
        return [self[f"word_{index}"] for index in range(len(self.words))]

    @classmethod
    def initial_from(cls, document: dict[str, Any], words: list[str]) -> dict[str, Any]:
        """The form's initial values from a profile document."""
        initial: dict[str, Any] = {
            "name": document.get("name", ""),
            "time_format": document.get("time_format", ""),
        }
        records = document.get("records") or []
        initial["records"] = ", ".join([records] if isinstance(records, str) else records)
        for name, sources in (document.get("fields") or {}).items():
            initial[f"from_{name}"] = ", ".join([sources] if isinstance(sources, str) else sources)
        for name, value in (document.get("fixed") or {}).items():
            initial[f"fixed_{name}"] = value
        kinds, skip = document.get("kinds") or {}, set(document.get("skip") or [])
        for index, word in enumerate(words[:MAX_WORDS]):
            initial[f"word_{index}"] = SKIP if word in skip else kinds.get(word, UNMAPPED)
        return initial

    def kind_sources(self) -> list[str]:
        """Where the kind is read, as the form says now (to find the words there)."""
        return _paths(self.data.get("from_kind", ""))

    def document(self, base: dict[str, Any]) -> dict[str, Any]:
        """The profile document the form describes, over `base` (keys the form does not show,
        such as `channels`, are kept). Call after is_valid()."""
        data = self.cleaned_data
        document = {key: value for key, value in base.items() if key not in {"fields", "fixed"}}
        document["name"] = data.get("name") or base.get("name") or "unsaved"
        document["format"] = self.format
        if self.format == "json":
            document["records"] = _paths(data.get("records", ""))
        fields: dict[str, Any] = {}
        fixed: dict[str, str] = {}
        for name in FIELDS:
            chosen = data.get(f"fixed_{name}", "")
            sources = _paths(data.get(f"from_{name}", ""))
            if chosen:
                fixed[name] = chosen
            elif sources:
                fields[name] = sources if name == "kind" and len(sources) > 1 else sources[0]
        document["fields"], document["fixed"] = fields, fixed
        kinds = dict(base.get("kinds") or {})
        skip = set(base.get("skip") or [])
        for index, word in enumerate(self.words):
            choice = data.get(f"word_{index}", UNMAPPED)
            kinds.pop(word, None)
            skip.discard(word)
            if choice == SKIP:
                skip.add(word)
            elif choice:
                kinds[word] = choice
        document["kinds"], document["skip"] = kinds, sorted(skip)
        document["time_format"] = data.get("time_format", "")
        if "kind" not in fields:
            document.pop("kinds")
            document.pop("skip")
        return {key: value for key, value in document.items() if value not in ("", [], {})}


def _paths(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(",") if part.strip()]
