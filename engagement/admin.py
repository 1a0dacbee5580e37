"""The admin: where definition admins write the shared definition and publish it."""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from engagement.definitions.rules import DefinitionInvalid
from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft, publish_definition
from engagement.ladder.recompute import describe_coverage
from engagement.ladder.tasks import request_recompute
from engagement.models import (
    DefinitionStatus,
    DistributionSnapshot,
    EngagementDefinition,
    ImportBatch,
    Interaction,
    InteractionKind,
    RecomputeRun,
    Rung,
)

RECOMPUTE_PERMISSION = "engagement.add_recomputerun"


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


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
class EngagementDefinitionAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "status", "published_at", "published_by"]
    list_filter = ["status"]
    inlines = [RungInline, InteractionKindInline]
    change_form_template = "admin/engagement/engagementdefinition/change_form.html"
    actions = ["publish_selected", "recompute_selected"]

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
        return obj is not None and obj.is_draft and super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/new-draft/",
                self.admin_site.admin_view(self.new_draft_view),
                name="engagement_engagementdefinition_new_draft",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="engagement_engagementdefinition_publish",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, definition: EngagementDefinition) -> str:
        return reverse("admin:engagement_engagementdefinition_change", args=[definition.pk])

    def new_draft_view(self, request: HttpRequest, pk: int):
        source = self.get_object(request, str(pk))
        if request.method != "POST" or source is None or not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:engagement_engagementdefinition_changelist"))
        draft = create_draft(based_on=source, user=request.user)
        self.message_user(
            request,
            f"Draft version {draft.version} created from version {source.version}. "
            "Edit it below, then publish it.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(draft))

    def publish_view(self, request: HttpRequest, pk: int):
        definition = self.get_object(request, str(pk))
        if (
            request.method != "POST"
            or definition is None
            or not self.has_change_permission(request)
        ):
            return HttpResponseRedirect(reverse("admin:engagement_engagementdefinition_changelist"))
        self._publish(request, definition)
        return HttpResponseRedirect(self._change_url(definition))

    def _publish(self, request: HttpRequest, definition: EngagementDefinition) -> None:
        try:
            publish_definition(definition=definition, user=request.user)
        except DefinitionInvalid as invalid:
            self.message_user(
                request,
                f"Version {definition.version} was not published: " + " ".join(invalid.problems),
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                f"Version {definition.version} is now the current definition; "
                "the previous version is retired. Its figures are being recomputed "
                "(see Recompute runs); until then it has none.",
                messages.SUCCESS,
            )

    @admin.action(description="Publish the selected draft")
    def publish_selected(self, request, queryset):
        drafts = list(queryset)
        if len(drafts) != 1:
            self.message_user(request, "Choose exactly one draft to publish.", messages.ERROR)
            return
        self._publish(request, drafts[0])

    @admin.action(
        description="Recompute the figures of the selected version (a draft gives a preview)",
        permissions=["recompute"],
    )
    def recompute_selected(self, request, queryset):
        for definition in queryset:
            run = request_recompute(definition=definition, full=True, user=request.user)
            self.message_user(
                request,
                f"Recompute run {run.pk} of version {definition.version} is queued"
                f"{' (a preview: published figures stay as they are)' if run.preview else ''}.",
                messages.SUCCESS,
            )

    def has_recompute_permission(self, request) -> bool:
        return request.user.has_perm(RECOMPUTE_PERMISSION)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["is_draft"] = obj is not None and obj.status == DefinitionStatus.DRAFT
        if obj is not None and not context["is_draft"]:
            # A published or retired version cannot change: no Save button to suggest it can.
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "force", "channel", "kind", "external_id"]
    list_filter = ["kind", "force__region"]
    list_select_related = ["force", "channel"]
    show_full_result_count = False
    date_hierarchy = "occurred_at"


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
class RecomputeRunAdmin(ReadOnlyAdmin):
    list_display = [
        "queued_at",
        "definition",
        "mode",
        "preview",
        "status",
        "started_at",
        "took",
        "rows_written",
        "coverage",
        "error",
    ]
    list_filter = ["status", "mode", "preview"]
    list_select_related = ["definition"]
    change_list_template = "admin/engagement/recomputerun/change_list.html"

    @admin.display(description="duration")
    def took(self, run: RecomputeRun) -> str:
        return f"{run.duration.total_seconds():.1f}s" if run.duration else "–"

    @admin.display(description="covered")
    def coverage(self, run: RecomputeRun) -> str:
        return describe_coverage(run.covered)

    def get_urls(self):
        return [
            path(
                "start/",
                self.admin_site.admin_view(self.start_view),
                name="engagement_recomputerun_start",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_recompute": request.user.has_perm(RECOMPUTE_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def start_view(self, request: HttpRequest):
        """Queue a recompute of the published definition (changes only, or --full)."""
        changelist = reverse("admin:engagement_recomputerun_changelist")
        if request.method != "POST" or not request.user.has_perm(RECOMPUTE_PERMISSION):
            return HttpResponseRedirect(changelist)
        full = request.POST.get("full") == "1"
        run = request_recompute(definition=current_definition(), full=full, user=request.user)
        self.message_user(
            request,
            f"Recompute run {run.pk} ({'full rebuild' if full else 'changes only'}) is queued: "
            "its state shows below.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(changelist)


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
