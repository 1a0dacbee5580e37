"""The admin: where definition admins write the shared definition and publish it, and where a
force's local lens is kept (by a definition admin or that force's data managers)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from audit.admin import HistoryAdmin, ReadOnlyAdmin
from engagement.citizens.services import ErasureRefused, erase_citizen
from engagement.definitions.permissions import (
    LENS_PERMISSION,
    can_manage_definitions,
    can_manage_lens,
)
from engagement.definitions.rules import DefinitionInvalid
from engagement.definitions.selectors import current_definition, ladder_spec
from engagement.definitions.services import (
    create_draft,
    create_lens,
    discard_draft,
    discard_problems,
    publish_definition,
)
from engagement.ladder.recompute import describe_coverage, progress_of
from engagement.ladder.tasks import RecomputeNotQueued, request_recompute
from engagement.models import (
    DefinitionStatus,
    DistributionSnapshot,
    EngagementDefinition,
    ImportBatch,
    Interaction,
    InteractionKind,
    LocalLens,
    RecomputeRun,
    Rung,
)
from engagement.preview.selectors import latest_run_of, publish_summary
from engagement.roles import PUBLISH_DEFINITION, START_RECOMPUTE
from forces.choices import Platform
from forces.models import Force


class OwnPagesAdmin:
    """An admin with pages of its own beside the model's. `own_pages` maps a route to a name: the
    page is the admin's `<name>_view` method, and its URL is named `<app>_<model>_<name>`."""

    own_pages: dict[str, str] = {}

    def get_urls(self):
        opts = self.opts
        own = [
            path(
                route,
                self.admin_site.admin_view(getattr(self, f"{name}_view")),
                name=f"{opts.app_label}_{opts.model_name}_{name}",
            )
            for route, name in self.own_pages.items()
        ]
        return [*own, *super().get_urls()]

    def form_page(
        self,
        request: HttpRequest,
        template: str,
        *,
        title: str,
        form: forms.Form | None = None,
        **extra,
    ):
        """One of the pages: `form` (and `extra`) under `title`, in the admin's frame."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            **extra,
        }
        return TemplateResponse(request, template, context)

    def run_progress_redirect(
        self, run: RecomputeRun | None, fallback: str
    ) -> HttpResponseRedirect:
        """To the page following a run (its progress, then its result); `fallback` without."""
        if run is None:
            return HttpResponseRedirect(fallback)
        return HttpResponseRedirect(
            reverse("admin:engagement_recomputerun_progress", args=[run.pk])
        )


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def _allowed(self, request, obj, permission: str) -> bool:
        """A lens's rows: whoever may keep that force's lens; the shared rows: model rights."""
        if obj is not None and obj.is_lens:
            return can_manage_lens(request.user, obj.force)
        return getattr(super(), f"has_{permission}_permission")(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj, "view")

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and self._allowed(request, obj, "add")

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and self._allowed(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and self._allowed(request, obj, "delete")


class RungInline(DraftOnlyInline):
    model = Rung
    fields = ["position", "slug", "name", "description"]
    ordering = ["position"]


class InteractionKindInline(DraftOnlyInline):
    model = InteractionKind
    fields = ["slug", "rung", "lasting", "ended_by", "description"]
    ordering = ["rung__position", "slug"]

    def get_formset(self, request, obj=None, **kwargs):
        self._definition = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "rung":
            kwargs["queryset"] = Rung.objects.filter(definition=getattr(self, "_definition", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(EngagementDefinition)
class EngagementDefinitionAdmin(OwnPagesAdmin, HistoryAdmin):
    list_display = ["version", "name", "status", "published_at", "published_by"]
    list_filter = ["status"]
    inlines = [RungInline, InteractionKindInline]
    change_form_template = "admin/engagement/engagementdefinition/change_form.html"
    # Every action and view checks its own permission: the staff flag only opens the admin.
    actions = ["publish_selected", "recompute_selected"]
    exclude = ["force"]
    own_pages = {"<int:pk>/new-draft/": "new_draft", "<int:pk>/publish/": "publish"}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by")

    def get_readonly_fields(self, request, obj=None):
        always = ["version", "status", "based_on", "created_by", "published_at", "published_by"]
        if obj is not None and not obj.is_draft:
            return [*always, "name", "notes"]
        return always

    def has_add_permission(self, request):
        # New versions start as a copy of the current one: see "Create a new draft".
        return False

    def has_delete_permission(self, request, obj=None):
        """Drafts only (the list's delete action is offered to whoever may delete drafts)."""
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """What discarding takes with it, in a few lines (not Django's list of every row: a
        preview holds thousands): each draft, its rungs and kinds, its impact preview (runs,
        snapshots, figures). What stops it (not a draft, a preview being computed) is shown
        as the reason instead of Django's list of protected rows."""
        objs = list(objs)
        deleted = []
        for definition in objs:
            previews = RecomputeRun.objects.filter(definition=definition).count()
            deleted.append(
                f"{definition}, its {definition.rungs.count()} rungs and "
                f"{definition.kinds.count()} kinds"
                + (f", {previews} impact preview run(s) with their figures" if previews else "")
            )
        # A version that is not a draft is refused with its reason below, not for a right.
        perms_needed = {
            str(self.opts.verbose_name)
            for definition in objs
            if definition.is_draft and not self.has_delete_permission(request, definition)
        }
        problems = [
            f"{definition}: {problem}"
            for definition in objs
            for problem in discard_problems(definition)
        ]
        return deleted, {self.opts.verbose_name_plural: len(objs)}, perms_needed, problems

    def delete_model(self, request, obj):
        discard_draft(definition=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for definition in queryset:
            discard_draft(definition=definition, user=request.user)

    def _url(self, action: str, definition: EngagementDefinition) -> str:
        return reverse(f"admin:engagement_{self.opts.model_name}_{action}", args=[definition.pk])

    def _change_url(self, definition: EngagementDefinition) -> str:
        return self._url("change", definition)

    def _posted(
        self, request: HttpRequest, pk: int, *, allowed: bool
    ) -> EngagementDefinition | None:
        """The version a button on its page acts on: None unless POSTed by someone who may
        change it. Not `allowed` (to press that button at all): PermissionDenied."""
        if not allowed:
            raise PermissionDenied
        definition = self.get_object(request, str(pk))
        if (
            request.method != "POST"
            or definition is None
            or not self.has_change_permission(request, definition)
        ):
            return None
        return definition

    def _changelist(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse(f"admin:engagement_{self.opts.model_name}_changelist"))

    def new_draft_view(self, request: HttpRequest, pk: int):
        source = self._posted(request, pk, allowed=self.has_change_permission(request))
        if source is None:
            return self._changelist()
        draft = create_draft(based_on=source, user=request.user)
        self.message_user(
            request,
            f"Draft version {draft.version} created from version {source.version}. "
            "Edit it below, then publish it.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(draft))

    def publish_view(self, request: HttpRequest, pk: int):
        """GET: the confirmation, with what the draft's preview says would move. POST: publish,
        then follow the recompute that gives the new version its figures."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        definition = self.get_object(request, str(pk))
        if definition is None or not self.has_change_permission(request, definition):
            return self._changelist()
        if request.method != "POST":
            return self.form_page(
                request,
                "admin/engagement/engagementdefinition/publish.html",
                title=f"Publish version {definition.version}?",
                original=definition,
                summary=publish_summary(definition),
                impact_url=reverse("preview:impact", args=[definition.pk]),
                change_url=self._change_url(definition),
            )
        if not self._publish(request, definition):
            return HttpResponseRedirect(self._change_url(definition))
        return self.run_progress_redirect(latest_run_of(definition), self._change_url(definition))

    def _publish(self, request: HttpRequest, definition: EngagementDefinition) -> bool:
        """Publish, saying so once (the figures' state shows on the run's page); False when
        the draft stays a draft."""
        try:
            publish_definition(definition=definition, user=request.user)
        except DefinitionInvalid as invalid:
            self.message_user(
                request,
                f"Version {definition.version} was not published: " + " ".join(invalid.problems),
                messages.ERROR,
            )
            return False
        except RecomputeNotQueued as not_queued:
            self.message_user(
                request,
                f"Version {definition.version} was not published (it stays a draft): {not_queued}",
                messages.ERROR,
            )
            return False
        scope = f"local lens of {definition.force}" if definition.is_lens else "definition"
        self.message_user(
            request,
            f"Version {definition.version} is now the current {scope}; the previous version is "
            "retired. The run below gives it its figures: its progress and result show here.",
            messages.SUCCESS,
        )
        return True

    @admin.action(description="Publish the selected draft", permissions=["publish"])
    def publish_selected(self, request, queryset):
        """To the confirmation page of the one draft chosen."""
        drafts = list(queryset)
        if len(drafts) != 1:
            self.message_user(request, "Choose exactly one draft to publish.", messages.ERROR)
            return None
        return HttpResponseRedirect(self._url("publish", drafts[0]))

    @admin.action(
        description="Recompute the figures of the selected version (a draft gives a preview)",
        permissions=["recompute"],
    )
    def recompute_selected(self, request, queryset):
        for definition in queryset:
            try:
                run = request_recompute(definition=definition, full=True, user=request.user)
            except RecomputeNotQueued as not_queued:
                self.message_user(request, str(not_queued), messages.ERROR)
                return
            self.message_user(
                request,
                f"Recompute run {run.pk} of version {definition.version} asked for"
                f"{' (a preview: published figures stay as they are)' if run.preview else ''}: "
                "its state shows in Recompute runs.",
                messages.SUCCESS,
            )

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(PUBLISH_DEFINITION)

    def has_recompute_permission(self, request) -> bool:
        return request.user.has_perm(START_RECOMPUTE)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["is_draft"] = obj is not None and obj.status == DefinitionStatus.DRAFT
        if obj is not None and not context["is_draft"]:
            # A published or retired version cannot change: no Save button to suggest it can.
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        context["can_publish"] = self.has_publish_permission(request)
        if obj is not None:
            context["new_draft_url"] = self._url("new_draft", obj)
            context["publish_url"] = self._url("publish", obj)
            context["impact_url"] = reverse("preview:impact", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        """A draft whose preview the edit made stale gets its preview recomputed at once."""
        super().save_related(request, form, formsets, change)
        draft = form.instance
        if not draft.is_draft:
            return
        latest = (
            RecomputeRun.objects.filter(definition=draft, preview=True)
            .order_by("-queued_at", "-pk")
            .first()
        )
        if latest is None or latest.status in {
            RecomputeRun.Status.QUEUED,
            RecomputeRun.Status.RUNNING,
        }:
            return  # no preview asked for yet, or one on its way (it reads the draft as saved)
        if latest.covered.get("ladder") != ladder_spec(draft).fingerprint():
            run = request_recompute(definition=draft, full=True, user=request.user)
            self.message_user(
                request,
                f"The draft changed, so its impact preview is being recomputed (run {run.pk}).",
                messages.INFO,
            )


class LensForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"))


@admin.register(LocalLens)
class LocalLensAdmin(EngagementDefinitionAdmin):
    """A force's own variant of the ladder: made from the current shared version, edited like a
    draft, published for that force only. Definition admins keep every force's lens; a force's
    data managers keep their own force's."""

    list_display = ["force", "version", "name", "status", "published_at", "published_by"]
    list_filter = ["status", "force"]
    actions = ["publish_selected"]
    exclude: list[str] = []
    change_list_template = "admin/engagement/locallens/change_list.html"
    own_pages = {"new-lens/": "new_lens", **EngagementDefinitionAdmin.own_pages}

    def get_queryset(self, request):
        lenses = super().get_queryset(request).select_related("force")
        if can_manage_definitions(request.user):
            return lenses
        return lenses.filter(pk__in=[lens.pk for lens in lenses if self._may_keep(request, lens)])

    def _may_keep(self, request, lens) -> bool:
        return can_manage_lens(request.user, lens.force)

    def get_readonly_fields(self, request, obj=None):
        return ["force", *super().get_readonly_fields(request, obj)]

    def has_publish_permission(self, request) -> bool:
        """Definition admins, and data managers for their own forces' lenses (get_queryset and
        has_change_permission keep them to those)."""
        return super().has_publish_permission(request) or request.user.has_perm(LENS_PERMISSION)

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return self._may_keep(request, obj)
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return self._may_keep(request, obj)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        """A draft lens of a force the person keeps, and only with the model's delete right
        (without a lens: whether the list offers its delete action)."""
        allowed = request.user.has_perm("engagement.delete_locallens")
        if obj is None:
            return allowed
        return allowed and obj.is_draft and self._may_keep(request, obj)

    def new_lens_view(self, request: HttpRequest):
        """Choose a force; its lens starts as a copy of the current shared definition."""
        if not self.has_change_permission(request):
            raise PermissionDenied  # the form is for those who keep a lens
        form = LensForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            force = form.cleaned_data["force"]
            if not can_manage_lens(request.user, force):
                raise PermissionDenied(f"You do not keep the local lens of {force.name}.")
            lens = create_lens(force=force, user=request.user)
            self.message_user(
                request,
                f"Draft lens v{lens.version} of {force.name} created from the shared version "
                f"{lens.based_on.version}. Edit it below, preview its impact, then publish it.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._change_url(lens))
        return self.form_page(
            request,
            "admin/engagement/locallens/new_lens.html",
            title="Create a local lens",
            form=form,
        )


class ErasureForm(forms.Form):
    platform = forms.ChoiceField(choices=Platform.choices)
    identifier = forms.CharField(
        max_length=500,
        strip=False,
        help_text="As the platform shows it (a leading @ and capitals do not matter). It is "
        "used to find the person's pseudonym and is not kept.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@admin.register(Interaction)
class InteractionAdmin(OwnPagesAdmin, ReadOnlyAdmin):
    list_display = ["occurred_at", "force", "channel", "kind", "external_id"]
    # The citizen is left out: its pseudonym never appears on a page.
    fields = ["force", "channel", "kind", "occurred_at", "local_month", "external_id"]
    list_filter = ["kind", "force__region"]
    list_select_related = ["force", "channel"]
    show_full_result_count = False
    date_hierarchy = "occurred_at"
    change_list_template = "admin/engagement/interaction/change_list.html"
    own_pages = {"erase/": "erase"}

    def erase_view(self, request: HttpRequest):
        """Superusers only: erase a citizen (engagement.citizens.services.erase_citizen)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        form = ErasureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                erasure = erase_citizen(**form.cleaned_data, user=request.user)
            except ErasureRefused as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, f"Erasure done. {erasure.summary()}", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:engagement_interaction_changelist"))
        if form.is_bound:
            # Shown again with its problems, but never with the identifier typed.
            form.data = form.data.copy()
            form.data["identifier"] = ""
        return self.form_page(
            request,
            "admin/engagement/interaction/erase.html",
            title="Erase a citizen's interactions",
            form=form,
        )


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "kind",
        "source",
        "filename",
        "status",
        "rows_read",
        "created",
        "duplicates",
        "user",
    ]
    list_filter = ["kind", "source", "status"]


@admin.register(RecomputeRun)
class RecomputeRunAdmin(OwnPagesAdmin, ReadOnlyAdmin):
    list_display = [
        "queued_at",
        "definition",
        "mode",
        "preview",
        "state",
        "started_at",
        "took",
        "rows_written",
        "coverage",
        "error",
    ]
    list_filter = ["status", "mode", "preview"]
    list_select_related = ["definition"]
    change_list_template = "admin/engagement/recomputerun/change_list.html"
    own_pages = {
        "start/": "start",
        "<int:pk>/progress/": "progress",
        "<int:pk>/progress/status/": "progress_status",
    }

    @admin.display(description="status", ordering="status")
    def state(self, run: RecomputeRun) -> str:
        """The status, and why a queued run has not started when it is stuck."""
        waiting = run.waiting
        return f"{run.get_status_display()}: {waiting}" if waiting else run.get_status_display()

    @admin.display(description="duration")
    def took(self, run: RecomputeRun) -> str:
        return f"{run.duration.total_seconds():.1f}s" if run.duration else "–"

    @admin.display(description="covered")
    def coverage(self, run: RecomputeRun) -> str:
        return describe_coverage(run.covered)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_recompute": request.user.has_perm(START_RECOMPUTE),
        }
        return super().changelist_view(request, extra_context)

    def start_view(self, request: HttpRequest):
        """Queue a recompute of the published definition (changes only, or --full)."""
        if not request.user.has_perm(START_RECOMPUTE):
            raise PermissionDenied
        changelist = reverse("admin:engagement_recomputerun_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(changelist)
        full = request.POST.get("full") == "1"
        try:
            run = request_recompute(definition=current_definition(), full=full, user=request.user)
        except RecomputeNotQueued as not_queued:
            self.message_user(request, str(not_queued), messages.ERROR)
            return HttpResponseRedirect(changelist)
        self.message_user(
            request,
            f"Recompute run {run.pk} ({'full rebuild' if full else 'changes only'}) asked for: "
            "its progress and result show here.",
            messages.SUCCESS,
        )
        return self.run_progress_redirect(run, changelist)

    def _run(self, request: HttpRequest, pk: int) -> RecomputeRun:
        run = self.get_object(request, str(pk))
        if run is None or not self.has_view_permission(request, run):
            raise PermissionDenied
        return run

    def progress_view(self, request: HttpRequest, pk: int):
        """One run's progress (forces counted of how many), then its result: the page follows
        it (static/js/follow-progress.js) without reloading by hand."""
        run = self._run(request, pk)
        return self.form_page(
            request,
            "admin/engagement/recomputerun/progress.html",
            title=f"Recompute run {run.pk}",
            run=run,
            progress=progress_of(run),
            coverage=describe_coverage(run.covered),
        )

    def progress_status_view(self, request: HttpRequest, pk: int):
        return JsonResponse(progress_of(self._run(request, pk)))


@admin.register(DistributionSnapshot)
class DistributionSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "definition",
        "is_current",
        "is_preview",
        "published_at",
        "row_count",
    ]
    list_filter = ["is_current", "is_preview"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("definition")
            .annotate(row_count=Count("rows"))
        )

    @admin.display(description="rows")
    def row_count(self, obj):
        return obj.row_count


class DefinitionRowHistoryAdmin(ReadOnlyAdmin):
    """The history of a definition's rungs or kinds (edited inline on the definition's page,
    so its own History shows only the definition's fields): who, when, and the row as it was."""

    # The columns every such history starts with; each adds its row's own fields after them.
    change_columns = ("history_date", "history_user", "change", "definition")
    list_filter = ["history_type", "definition"]
    list_select_related = ["definition", "history_user"]
    date_hierarchy = "history_date"

    @admin.display(description="change")
    def change(self, record) -> str:
        return {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]


@admin.register(Rung.history.model)
class RungHistoryAdmin(DefinitionRowHistoryAdmin):
    list_display = [*DefinitionRowHistoryAdmin.change_columns, "position", "slug", "name"]


@admin.register(InteractionKind.history.model)
class InteractionKindHistoryAdmin(DefinitionRowHistoryAdmin):
    list_display = [
        *DefinitionRowHistoryAdmin.change_columns,
        "slug",
        "rung",
        "lasting",
        "ended_by",
    ]
    list_select_related = ["definition", "history_user", "rung"]
