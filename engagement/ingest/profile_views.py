"""The import-profile pages: another tool's export, read through a profile, previewed and imported.

/imports/profiles/ takes the export and a profile (built-in, saved for the person's forces, or
a new one). The file is kept (UPLOAD_DIR, under a name only this session knows) while the person
maps it on /imports/profiles/<draft>/: the columns, the words as kinds, the first records as
Ladder will read them with their problems; then they save the profile for their force and
import. The import is the interactions import's, run on the kept file.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from engagement.ingest.interactions import import_with_profile, preview_with_profile
from engagement.ingest.profile_forms import ExportForm, MappingForm
from engagement.ingest.profiles import (
    Profile,
    ProfileInvalid,
    header_and_words,
    parse_profile,
    record_lists,
)
from engagement.ingest.rows import ImportFailed, ImportRejected, ImportRequest
from engagement.ingest.saved_profiles import (
    current_kinds,
    find_profile,
    profile_choices,
    save_profile,
)
from engagement.ingest.tasks import request_import
from engagement.ingest.uploads import PROFILE_DRAFT_DIR, store_upload, upload_storage
from engagement.models import ImportBatch
from engagement.roles import IMPORT_INTERACTIONS, may_start_recompute
from forces.models import Force
from forces.selectors import forces_managed_by

SESSION_KEY = "import_profile_drafts"


def _allowed(request: HttpRequest) -> frozenset[str] | None:
    """The forces this person imports for (None: all); 403 for anyone who may not import."""
    if not request.user.has_perm(IMPORT_INTERACTIONS):
        raise PermissionDenied("Only force data managers can import data.")
    return forces_managed_by(request.user)


def profiles_page(request: HttpRequest) -> HttpResponse:
    """Step one: the export and the profile to read it with."""
    managed = _allowed(request)
    choices = profile_choices(managed)
    form = ExportForm(
        request.POST or None,
        request.FILES or None,
        choices=[(choice.key, choice.title) for choice in choices],
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        key = form.cleaned_data["profile"]
        try:
            profile = find_profile(key, forces=managed) if key else None
        except ProfileInvalid as invalid:
            form.add_error("profile", "; ".join(invalid.messages))
        else:
            token = uuid.uuid4().hex
            upload_storage().save(f"{PROFILE_DRAFT_DIR}/{token}", upload)
            drafts = request.session.get(SESSION_KEY, {})
            drafts[token] = {
                "filename": (upload.name or "export")[:255],
                "document": profile.document()
                if profile
                else {"name": "new-profile", "format": form.cleaned_data["format"]},
                "size": upload.size,
            }
            request.session[SESSION_KEY] = drafts
            return redirect("engagement:import-profile-draft", token=token)
    status = 400 if form.errors else 200
    context = {"form": form, "choices": choices}
    return render(request, "engagement/import_profiles.html", context, status=status)


def draft_page(request: HttpRequest, token: str) -> HttpResponse:
    """Step two: map the export, preview it, save the profile, import."""
    managed = _allowed(request)
    draft = request.session.get(SESSION_KEY, {}).get(token)
    storage = upload_storage()
    path = f"{PROFILE_DRAFT_DIR}/{token}"
    if draft is None or not storage.exists(path):
        raise Http404("No such export: upload it again.")
    base: dict[str, Any] = draft["document"]
    format_ = base["format"]
    kinds = sorted(current_kinds())
    forces = Force.objects.order_by("name")
    if managed is not None:
        forces = forces.filter(slug__in=managed)
    force_choices = [(force.slug, force.name) for force in forces]

    def read(kind_sources: list[str] | None) -> tuple[list[str], list[str]]:
        """The columns (or paths) of the export and the words where the kind is read."""
        records = base.get("records") or []
        reader = Profile(
            name="reading",
            format=format_,
            fields={"kind": tuple(kind_sources)} if kind_sources else {},
            records=tuple([records] if isinstance(records, str) else records),
        )
        with storage.open(path, "rb") as source:
            return header_and_words(reader, source)

    context: dict[str, Any] = {
        "draft": draft,
        "token": token,
        "format": format_,
        "recompute_at": settings.RECOMPUTE_AT,
        "may_recompute": may_start_recompute(request.user),
    }
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST":
        posted = MappingForm(
            request.POST,
            format=format_,
            columns=[],
            words=[],
            kinds=kinds,
            forces=force_choices,
        )
        if format_ == "json" and request.POST.get("records"):
            base = base | {"records": [p.strip() for p in request.POST["records"].split(",")]}
        columns, words = read(posted.kind_sources())
        old_words = json.loads(request.POST.get("words") or "[]")
        data = request.POST.copy()
        # A word keeps its mapping when the list of words found changes (another kind column);
        # one not on the form yet is mapped as the profile maps it.
        chosen = {word: request.POST.get(f"word_{i}", "") for i, word in enumerate(old_words)}
        known = MappingForm.initial_from(base, words)
        for index, word in enumerate(words):
            data[f"word_{index}"] = chosen.get(word, known[f"word_{index}"])
        form = MappingForm(
            data,
            format=format_,
            columns=columns,
            words=words,
            kinds=kinds,
            forces=force_choices,
        )
    else:
        sources = base.get("fields", {}).get("kind")
        columns, words = read([sources] if isinstance(sources, str) else sources)
        form = MappingForm(
            initial=MappingForm.initial_from(base, words),
            format=format_,
            columns=columns,
            words=words,
            kinds=kinds,
            forces=force_choices,
        )
    context.update(form=form, words_json=json.dumps(form.words), columns=columns)
    if format_ == "json":
        with storage.open(path, "rb") as source:
            context["record_lists"] = record_lists(source)
    if request.method == "POST" and form.is_valid():
        document = form.document(base)
        draft["document"] = document
        request.session.modified = True
        try:
            profile = parse_profile(document, kinds=kinds)
        except ProfileInvalid as invalid:
            context["invalid"] = invalid.messages
            status = 400
        else:
            status = _act(request, action, profile, document, form, draft, token, context)
            if isinstance(status, HttpResponse):
                return status
    elif request.method == "POST":
        status = 400
    return render(request, "engagement/import_profile_draft.html", context, status=status)


def _act(
    request: HttpRequest,
    action: str,
    profile: Profile,
    document: dict[str, Any],
    form: MappingForm,
    draft: dict[str, Any],
    token: str,
    context: dict[str, Any],
) -> int | HttpResponse:
    """Preview, save or import, as the button pressed says; the status of the page."""
    managed = forces_managed_by(request.user)
    storage = upload_storage()
    path = f"{PROFILE_DRAFT_DIR}/{token}"
    import_request = ImportRequest(
        filename=draft["filename"],
        dry_run=form.cleaned_data["dry_run"],
        user=request.user,
        origin=ImportBatch.Source.UPLOAD,
        forces=managed,
    )
    if action == "save":
        force = Force.objects.filter(slug=form.cleaned_data.get("save_for")).first()
        if force is None or not form.cleaned_data.get("name"):
            context["invalid"] = ["Give the profile a name and choose the force to save it for."]
            return 400
        try:
            save_profile(force=force, document=document, user=request.user, forces=managed)
        except ProfileInvalid as invalid:
            context["invalid"] = invalid.messages
            return 400
        messages.success(request, f"Profile {force.slug}/{profile.name} saved for {force.name}.")
        return redirect("engagement:import-profile-draft", token=token)
    try:
        profile.complete()
    except ProfileInvalid as invalid:
        context["invalid"] = invalid.messages
        return 400
    if action == "import":
        if draft["size"] > settings.UPLOAD_BACKGROUND_BYTES:
            with storage.open(path, "rb") as kept:
                batch = store_upload(
                    upload=File(kept, name=draft["filename"]),
                    kind=ImportBatch.Kind.INTERACTIONS,
                    dry_run=import_request.dry_run,
                    user=request.user,
                    profile=profile,
                )
            request_import(batch)
            _forget(request, token)
            return redirect("engagement:import-batch", pk=batch.pk)
        try:
            with storage.open(path, "rb") as source:
                context["result"] = import_with_profile(
                    profile=profile, source=source, request=import_request
                )
        except ImportRejected as rejected:
            context["rejected"] = rejected
            return 400
        except ImportFailed as failed:
            context["refused"] = str(failed)
            return 503
        if not import_request.dry_run:
            _forget(request, token)
        return 200
    with storage.open(path, "rb") as source:
        context["preview"], context["file_problems"] = preview_with_profile(
            profile=profile, source=source, request=import_request
        )
    return 200


def _forget(request: HttpRequest, token: str) -> None:
    """The export has been imported: its kept copy goes."""
    upload_storage().delete(f"{PROFILE_DRAFT_DIR}/{token}")
    request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True
