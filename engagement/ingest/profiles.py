"""Import profiles: how to read another tool's export as Ladder's own interaction rows.

A profile is a JSON document (docs/import-profiles.md). It says where each of Ladder's fields
(force, channel, citizen, kind, occurred_at, external_id) is in a record of the tool's export (a
column of a CSV file, a dotted path in a JSON record), which fields have one value for the whole
file (`fixed`), which of the tool's words are which kind (`kinds`), which words are not
interactions to count (`skip`), and how the tool writes its times (`time_format`).

A profile only turns records into rows. Everything else is the interactions import's: the checks
of every row, all or nothing, pseudonymising, duplicates, the worker for large files. So the
functions here read records and map them; engagement.ingest.interactions imports what they give.

Problems name where they are (`line N` of a CSV file, `record N` of a JSON export, counted from
1) and the tool's own column or path with the Ladder field it feeds (`Action (kind)`). A word the
profile does not map is named with its value: it is the tool's vocabulary, read from the column
the profile names for the kind, never a citizen's identifier.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from engagement.ingest.rows import Column, Problems, Progress, Row, csv_rows, without_nul

FIELDS = ("force", "channel", "citizen", "kind", "occurred_at", "external_id")
REQUIRED = ("force", "channel", "citizen", "kind", "occurred_at")
FORMATS = ("csv", "json")
KEYS = (
    "name",
    "title",
    "format",
    "records",
    "fields",
    "fixed",
    "kinds",
    "skip",
    "channels",
    "time_format",
    "about",
)
# A column or path value is read with this much room; the interactions import checks each
# field's own length afterwards.
MAX_VALUE = 10_000
MAX_WORD = 40  # an unmapped word is named up to this length
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SEGMENT = re.compile(r"^([^.\[\]]+)((?:\[\d*\])*)$")
PREVIEW_RECORDS = 20


class ProfileInvalid(ValueError):
    """The profile document itself is wrong: every message names the key that is."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


class Skipped:
    """A record whose kind word the profile lists under `skip`: not an interaction to count."""


SKIPPED = Skipped()


@dataclass(frozen=True)
class Profile:
    """A checked profile document (parse_profile makes one)."""

    name: str
    format: str
    fields: Mapping[str, tuple[str, ...]]
    fixed: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()
    channels: Mapping[str, str] = field(default_factory=dict)
    records: tuple[str, ...] = ()
    time_format: str = ""
    title: str = ""
    about: str = ""

    @property
    def where(self) -> str:
        """How a problem names a position: a CSV file's line, a JSON export's record."""
        return "line" if self.format == "csv" else "record"

    def missing(self) -> list[str]:
        """The fields Ladder needs that the profile neither reads nor fixes."""
        return [name for name in REQUIRED if name not in self.fields and name not in self.fixed]

    def given(self, values: Mapping[str, str]) -> Profile:
        """The profile with `values` fixed for one import (the force and channel of an export of
        one account, which a built-in profile cannot know). A field the profile reads from the
        file stays read; an empty value is ignored."""
        unknown = [name for name in values if name not in FIELDS]
        if unknown:
            raise ProfileInvalid(
                [f"{name[:40]}: is not a field of Ladder ({', '.join(FIELDS)})" for name in unknown]
            )
        extra = {
            name: value.strip()
            for name, value in values.items()
            if value and value.strip() and name not in self.fields
        }
        return replace(self, fixed={**self.fixed, **extra})

    def complete(self) -> Profile:
        """The profile, or ProfileInvalid naming each field it gives no value for."""
        missing = self.missing()
        if missing:
            raise ProfileInvalid(
                [
                    f"{name}: is neither read from the file (fields) nor fixed; give it for "
                    "this import or in the profile's fixed values"
                    for name in missing
                ]
            )
        return self

    def label(self, ladder_field: str) -> str:
        """A Ladder field as a problem names it: with the tool's column or path it comes from."""
        sources = self.fields.get(ladder_field)
        if not sources:
            return ladder_field
        return f"{' or '.join(sources)} ({ladder_field})"

    def columns(self) -> tuple[Column, ...]:
        """The CSV columns the profile reads (each one required in the header)."""
        names = dict.fromkeys(name for sources in self.fields.values() for name in sources)
        return tuple(Column(name, MAX_VALUE) for name in names)

    def document(self) -> dict[str, Any]:
        """The profile as a JSON document (what parse_profile reads back)."""
        document: dict[str, Any] = {"name": self.name, "format": self.format}
        if self.title:
            document["title"] = self.title
        if self.records:
            document["records"] = self.records[0] if len(self.records) == 1 else list(self.records)
        document["fields"] = {
            name: sources[0] if len(sources) == 1 else list(sources)
            for name, sources in self.fields.items()
        }
        for key in ("fixed", "kinds", "channels"):
            if getattr(self, key):
                document[key] = dict(getattr(self, key))
        if self.skip:
            document["skip"] = sorted(self.skip)
        if self.time_format:
            document["time_format"] = self.time_format
        if self.about:
            document["about"] = self.about
        return document


def parse_profile(document: Any, *, kinds: Collection[str] | None = None) -> Profile:
    """A Profile from its JSON document, or ProfileInvalid with every problem of the document.

    `kinds`, when given, are the kinds of the current definition: a profile mapping a word to
    another kind is refused here, before any file is read.
    """
    if not isinstance(document, dict):
        raise ProfileInvalid(["the profile must be a JSON object"])
    messages: list[str] = []
    for key in document:
        if key not in KEYS:
            messages.append(
                f"{str(key)[:40]}: is not a key of a profile (expected {', '.join(KEYS)})"
            )
    name = document.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        messages.append(
            "name: must be lower-case letters, digits and hyphens (at most 63), starting with a "
            "letter or digit"
        )
    format_ = document.get("format")
    if format_ not in FORMATS:
        messages.append("format: must be csv or json")
    records = _texts(document.get("records"), "records", messages)
    if format_ == "json":
        if not records:
            messages.append("records: a JSON profile must give the path to the list of records")
        for path in records:
            _check_path(path, "records", messages, lists=True)
    elif format_ == "csv" and records:
        messages.append("records: only a JSON profile has records (a CSV file's are its lines)")
    fields = _mapping(document.get("fields"), "fields", messages)
    fixed = _mapping(document.get("fixed"), "fixed", messages)
    sources: dict[str, tuple[str, ...]] = {}
    for key, value in fields.items():
        if key not in FIELDS:
            messages.append(f"fields: {key[:40]} is not a field of Ladder ({', '.join(FIELDS)})")
            continue
        paths = _texts(value, f"fields.{key}", messages)
        if len(paths) > 1 and key != "kind":
            messages.append(f"fields.{key}: only kind may be read from several paths")
        if not paths:
            messages.append(f"fields.{key}: must name a column or path")
        if format_ == "json":
            for path in paths:
                _check_path(path, f"fields.{key}", messages, lists=False)
        sources[key] = tuple(paths)
    for key, value in fixed.items():
        if key not in FIELDS:
            messages.append(f"fixed: {key[:40]} is not a field of Ladder ({', '.join(FIELDS)})")
        elif not isinstance(value, str) or not value.strip():
            messages.append(f"fixed.{key}: must be text")
        elif key in sources:
            messages.append(f"fixed.{key}: the field is also read from the file (fields)")
    word_kinds = _mapping(document.get("kinds"), "kinds", messages)
    for word, kind in word_kinds.items():
        if not isinstance(kind, str):
            messages.append(f"kinds.{word[:40]}: must be the slug of a kind")
        elif kinds is not None and kind not in kinds:
            messages.append(
                f"kinds.{word[:40]}: {kind[:40]} is not a kind of the current definition "
                f"({', '.join(sorted(kinds))})"
            )
    skip = _texts(document.get("skip"), "skip", messages)
    for word in skip:
        if word in word_kinds:
            messages.append(f"skip: {word[:40]} is also mapped to a kind (kinds)")
    if word_kinds and "kind" not in sources:
        messages.append("kinds: words are mapped but fields.kind names no column or path")
    channels = _mapping(document.get("channels"), "channels", messages)
    if channels and "channel" not in sources:
        messages.append("channels: accounts are mapped but fields.channel names no column or path")
    for word, slug in channels.items():
        if not isinstance(slug, str) or not slug.strip():
            messages.append(f"channels.{word[:40]}: must be a channel's slug")
    time_format = document.get("time_format", "")
    if not isinstance(time_format, str) or (time_format and "%" not in time_format):
        messages.append("time_format: must be a strptime format, such as %d/%m/%Y %H:%M")
    for key in ("title", "about"):
        if not isinstance(document.get(key, ""), str):
            messages.append(f"{key}: must be text")
    if messages:
        raise ProfileInvalid(messages)
    return Profile(
        name=name,
        format=format_,
        records=tuple(records),
        fields=sources,
        fixed={key: value.strip() for key, value in fixed.items()},
        kinds=dict(word_kinds),
        skip=frozenset(skip),
        channels={word: slug.strip() for word, slug in channels.items()},
        time_format=time_format,
        title=document.get("title", ""),
        about=document.get("about", ""),
    )


def _texts(value: Any, key: str, messages: list[str]) -> list[str]:
    """A string or a list of strings, as a list; a message for anything else."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return list(value)
    messages.append(f"{key}: must be text or a list of text")
    return []


def _mapping(value: Any, key: str, messages: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        messages.append(f"{key}: must be an object")
        return {}
    return value


def _check_path(path: str, key: str, messages: list[str], *, lists: bool) -> None:
    for segment in path.split("."):
        match = SEGMENT.match(segment)
        if match is None:
            messages.append(f"{key}: {path[:80]} is not a dotted path (a.b[0].c)")
            return
        if "[]" in match.group(2) and not lists:
            messages.append(
                f"{key}: {path[:80]} takes every element ([]); a field reads one value "
                "(use [0] for the first)"
            )
            return


def _walk(value: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path: `a.b` an object's keys, `[N]` an element, `[]` each one."""
    values = [value]
    for segment in path.split("."):
        match = SEGMENT.match(segment)
        if match is None:  # parse_profile refuses such a path; a form may not have yet
            return
        key, indexes = match.group(1), re.findall(r"\[(\d*)\]", match.group(2))
        values = [item[key] for item in values if isinstance(item, dict) and key in item]
        for index in indexes:
            if index == "":
                values = [element for item in values if isinstance(item, list) for element in item]
            else:
                values = [
                    item[int(index)]
                    for item in values
                    if isinstance(item, list) and int(index) < len(item)
                ]
    yield from values


def value_at(record: Any, path: str) -> Any:
    """The value at a path of one record, or None when the record has none there."""
    return next(_walk(record, path), None)


class LabelledProblems(Problems):
    """Problems whose Ladder field names say which column or path of the tool's export it is."""

    def __init__(self, profile: Profile):
        super().__init__(profile.where)
        self.profile = profile

    def add(self, position: int | None, field: str, message: str) -> None:
        super().add(position, self.profile.label(field), message)


def read_records(
    profile: Profile, source: IO[bytes], problems: Problems, progress: Progress | None = None
) -> Iterator[tuple[int, Any]]:
    """The records of a file in the profile's format, as (line or record number, record).

    A CSV file is read as the interactions CSV is (streamed, checked by line), except that its
    header may hold columns the profile does not use; a JSON file is read whole (it is at most an
    upload's size) and its records taken from the profile's paths.
    """
    if profile.format == "csv":
        yield from csv_rows(
            source,
            columns=profile.columns(),
            problems=problems,
            progress=progress,
            other_columns=True,
        )
        return
    raw = source.read()
    if progress is not None:
        progress(len(raw))
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        problems.add(None, "file", f"is not valid JSON ({_json_error(error)})")
        return
    yield from json_records(profile, data, problems)


def _json_error(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}, column {error.colno}: {error.msg}"
    return "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else "unreadable"


def json_records(profile: Profile, data: Any, problems: Problems) -> Iterator[tuple[int, Any]]:
    """The records of parsed JSON at the profile's `records` paths, numbered from 1."""
    number = 0
    for path in profile.records:
        found = list(_walk(data, path))
        if not found and not path.endswith("[]") and "[]" not in path:
            problems.add(None, "records", f"{path} finds no list of records in the file")
            continue
        for value in found:
            for record in value if isinstance(value, list) else [value]:
                number += 1
                yield number, record
    if number == 0 and not problems:
        problems.add(None, "records", f"{', '.join(profile.records)} finds no records in the file")


def mapped_rows(
    profile: Profile, records: Iterable[tuple[int, Any]], problems: Problems
) -> Iterator[tuple[int, Row | None]]:
    """Ladder's rows of the records, for the interactions import; skipped records left out."""
    for position, record in records:
        row = ladder_row(profile, position, record, problems)
        if row is not SKIPPED:
            yield position, row  # type: ignore[misc]


def ladder_row(
    profile: Profile, position: int, record: Any, problems: Problems
) -> Row | Skipped | None:
    """One record as Ladder's row (force, channel, citizen, kind, occurred_at, external_id).

    SKIPPED for a word listed under `skip`; None when the record has a problem (added to
    `problems`, located by `position`); the row's own checks are the interactions import's.
    """
    if record is None:
        return None  # the CSV reader has reported it
    if not isinstance(record, dict):
        problems.add(position, "record", "must be an object")
        return None
    before = problems.count
    row: dict[str, str] = {}
    for name in FIELDS:
        if name in profile.fixed:
            row[name] = profile.fixed[name]
            continue
        paths = profile.fields.get(name, ())
        value = ""
        for path in paths:
            found = _text(record, path, profile.format)
            if found is None:
                problems.add(position, name, "must be text or a number")
                break
            if found.strip():
                value = found
                break
        row[name] = value
    if problems.count != before:
        return None
    if "kind" in profile.fields:
        word = row["kind"].strip()
        if word in profile.skip:
            return SKIPPED
        kind = profile.kinds.get(word)
        if kind is None:
            problems.add(position, "kind", _unmapped(word, profile))
        row["kind"] = kind or ""
    if profile.channels and "channel" in profile.fields:
        account = row["channel"].strip()
        slug = profile.channels.get(account)
        if slug is None:
            problems.add(
                position,
                "channel",
                f"{_quoted(account)} is an account the profile does not map to a channel "
                f"(it maps {', '.join(sorted(profile.channels)) or 'none'})",
            )
        row["channel"] = slug or ""
    if profile.time_format and "occurred_at" in profile.fields:
        try:
            instant = datetime.strptime(row["occurred_at"].strip(), profile.time_format)
        except ValueError:
            # Python's message repeats the value, which may be anything: the format is named.
            problems.add(
                position,
                "occurred_at",
                f"does not match the profile's time format {profile.time_format}",
            )
        else:
            row["occurred_at"] = instant.isoformat()
    return row if problems.count == before else None


def _text(record: dict, path: str, format_: str) -> str | None:
    """The text at a column or path ("" when absent); None for a value that is not text."""
    if format_ == "csv":
        return record.get(path, "")
    value = value_at(record, path)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


def _quoted(word: str) -> str:
    if not word:
        return "An empty value"
    shown = without_nul(word[:MAX_WORD]) + ("…" if len(word) > MAX_WORD else "")
    return f"'{shown}'"


def _unmapped(word: str, profile: Profile) -> str:
    mapped = ", ".join(sorted(word or "(empty)" for word in profile.kinds))
    skipped = ", ".join(sorted(word or "(empty)" for word in profile.skip))
    text = f"{_quoted(word)} is a word the profile does not map to a kind (it maps {mapped}"
    return text + (f"; it skips {skipped})" if skipped else ")")


def header_and_words(
    profile: Profile, source: IO[bytes], *, limit: int = 50, scan: int = 10_000
) -> tuple[list[str], list[str]]:
    """What a person mapping an export chooses from: the columns of a CSV file or the paths of
    a JSON export's first record, and the distinct words found where the profile reads the kind
    (at most `limit`, in the first `scan` records, so that a large file answers at once; ""
    for records without one). A word further on is named by the preview or the import.
    """
    problems = Problems(profile.where)
    if profile.format == "csv":
        records: Iterable[tuple[int, Any]] = csv_rows(
            source, columns=(), problems=problems, other_columns=True
        )
    else:
        records = read_records(profile, source, problems)
    columns: list[str] = []
    words: dict[str, None] = {}
    paths = profile.fields.get("kind", ())
    for seen, (_position, record) in enumerate(records):
        if seen == scan:
            break
        if not isinstance(record, dict):
            continue
        if not columns:
            columns = list(record) if profile.format == "csv" else sorted(_leaf_paths(record))
        if not paths or len(words) >= limit:
            break
        word = ""
        for path in paths:
            text = _text(record, path, profile.format)
            if text and text.strip():
                word = text.strip()[:MAX_WORD]
                break
        words[word] = None
    return columns, list(words)


def record_lists(source: IO[bytes], *, limit: int = 20) -> list[str]:
    """The paths of a JSON export that lead to lists of objects: where its records may be, for
    a person writing a new profile's `records` (`data`, `items[].replies.comments`)."""
    try:
        data = json.loads(source.read())
    except (UnicodeDecodeError, ValueError):
        return []
    found: dict[str, None] = {}

    def visit(value: Any, path: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and value and path:
            if any(isinstance(item, dict) for item in value):
                found[path] = None
            for item in value[:5]:
                visit(item, f"{path}[]")

    visit(data, "")
    return list(found)


def _leaf_paths(record: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(record, dict):
        for key, value in record.items():
            yield from _leaf_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(record, list):
        if record:
            yield from _leaf_paths(record[0], f"{prefix}[0]")
    elif prefix:
        yield prefix
