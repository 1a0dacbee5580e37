"""Finding and saving import profiles: the built-in ones shipped with Ladder and those a force's
data manager saved (ImportProfile). The profile rules themselves are engagement.ingest.profiles.

A profile is named by a key: a built-in profile's name (`x-posts`), or `force/name` for a
profile a force saved (`kent/crm-export`). A force data manager sees and saves only their own
forces' profiles.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from engagement.definitions.selectors import current_definition
from engagement.ingest.profiles import Profile, ProfileInvalid, parse_profile
from engagement.models import ImportProfile
from forces.models import Force

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin_profiles"


@dataclass(frozen=True)
class ProfileChoice:
    """A profile as a person picks it: its key, a title, and what it reads."""

    key: str
    title: str
    about: str
    builtin: bool


@functools.cache
def builtin_profiles() -> dict[str, Profile]:
    """The profiles shipped in builtin_profiles/, by name (read once)."""
    profiles = {}
    for path in sorted(BUILTIN_DIR.glob("*.json")):
        profile = parse_profile(json.loads(path.read_text(encoding="utf-8")))
        profiles[profile.name] = profile
    return profiles


def current_kinds() -> set[str]:
    """The kinds a profile may map words to: those of the current definition."""
    return set(current_definition().kinds.values_list("slug", flat=True))


def profile_choices(forces: Collection[str] | None) -> list[ProfileChoice]:
    """The built-in profiles, then the saved profiles of `forces` (every force's for None)."""
    choices = [
        ProfileChoice(name, profile.title or name, profile.about, True)
        for name, profile in builtin_profiles().items()
    ]
    saved = ImportProfile.objects.select_related("force")
    if forces is not None:
        saved = saved.filter(force__slug__in=forces)
    for item in saved:
        document = item.document if isinstance(item.document, dict) else {}
        title = document.get("title") or item.name
        choices.append(
            ProfileChoice(
                f"{item.force.slug}/{item.name}",
                f"{title} (saved for {item.force.name})",
                document.get("about", ""),
                False,
            )
        )
    return choices


def find_profile(key: str, *, forces: Collection[str] | None) -> Profile:
    """The profile a key names, or ProfileInvalid saying there is none (for this person)."""
    key = key.strip()
    if "/" not in key:
        profile = builtin_profiles().get(key)
        if profile is None:
            names = ", ".join(builtin_profiles())
            raise ProfileInvalid(
                [f"profile: {key[:63]} is not a built-in profile ({names}) nor force/name"]
            )
        return profile
    force, _, name = key.partition("/")
    saved = ImportProfile.objects.filter(force__slug=force, name=name).first()
    if saved is None or (forces is not None and force not in forces):
        raise ProfileInvalid([f"profile: no profile {key[:130]} is saved for your forces"])
    return parse_profile(saved.document, kinds=current_kinds())


def read_profile_file(path: Path) -> Profile:
    """A profile from a JSON file (the import command's FILE), or ProfileInvalid."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ProfileInvalid([f"profile: {path} cannot be read ({error})"]) from None
    except json.JSONDecodeError as error:
        raise ProfileInvalid(
            [f"profile: {path} is not valid JSON (line {error.lineno}: {error.msg})"]
        ) from None
    return parse_profile(document, kinds=current_kinds())


def save_profile(
    *,
    force: Force,
    document: dict[str, Any],
    user: AbstractBaseUser | None,
    forces: Collection[str] | None,
) -> ImportProfile:
    """Save (or replace) a force's profile of that name, after checking the document.

    `forces`: the forces this person manages (None: every force). The row history records the
    document and who saved it.
    """
    if forces is not None and force.slug not in forces:
        raise PermissionDenied("You may save profiles only for your own forces.")
    profile = parse_profile(document, kinds=current_kinds())
    if profile.name in builtin_profiles():
        raise ProfileInvalid(
            [f"name: {profile.name} is the name of a built-in profile; choose another"]
        )
    with transaction.atomic():
        saved, _created = ImportProfile.objects.update_or_create(
            force=force,
            name=profile.name,
            defaults={
                "document": profile.document(),
                "saved_by": user if user is not None and user.is_authenticated else None,
            },
        )
    return saved
