"""The shared engagement ladder, the citizens and interactions counted on it, and the figures.

A definition version fixes the whole ladder: its rungs and which interaction kinds reach which
rung. Interactions keep the kind they were recorded with, so any version can be applied to them.
Citizens are pseudonyms only (see engagement.ingest.pseudonyms). The distribution store holds
snapshots of the computed figures; pages, the API and exports read those and never the raw
interactions.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from audit.models import actor_field
from engagement.choices import PeriodType, Scope
from forces.models import Channel, Force, Platform


class DefinitionLocked(Exception):
    """Raised on any attempt to change a definition version that is no longer a draft."""


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published (current)"
    RETIRED = "retired", "Retired"


class SharedDefinitions(models.Manager):
    """The shared ladder's versions only. A local lens (LocalLens) is a version too, but the
    shared readers (the current definition, the API, exports, the dashboard) never see it."""

    def get_queryset(self):
        return super().get_queryset().filter(force__isnull=True)


class EveryScope(models.Manager):
    """Shared versions and local lenses alike: for the code that serves both (the recompute,
    drafts and publishing)."""


class EngagementDefinition(models.Model):
    """A version of the ladder: the shared one (force empty), or a force's local lens.

    Versions are numbered within their scope: the shared v1, v2...; Kent's lens v1, v2...
    """

    version = models.PositiveIntegerField()
    force = models.ForeignKey(
        Force,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the shared definition; a force for that force's local lens.",
    )
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True, help_text="What changed in this version, and why.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = actor_field()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = actor_field()
    # Every change (a draft's edits, publishing, retiring): who, when, what (the audit, issue #9).
    history = HistoricalRecords()

    objects = SharedDefinitions()
    every_scope = EveryScope()
    # Every change, by whom (shared versions and lenses alike), as for forces and channels.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = "engagement definition"
        permissions = [("publish_definition", "Can publish a draft definition")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="published", force__isnull=True),
                name="one_published_definition",
                violation_error_message="Only one definition can be published at a time.",
            ),
            models.UniqueConstraint(
                fields=["force"],
                condition=models.Q(status="published", force__isnull=False),
                name="one_published_lens_per_force",
                violation_error_message="A force has one published local lens at a time.",
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(force__isnull=True),
                name="shared_definition_version_unique",
            ),
            models.UniqueConstraint(
                fields=["force", "version"],
                condition=models.Q(force__isnull=False),
                name="lens_version_unique",
            ),
        ]

    def __str__(self) -> str:
        scope = f"{self.force} lens " if self.force_id else ""
        return f"{scope}v{self.version} {self.name} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == DefinitionStatus.DRAFT

    @property
    def is_lens(self) -> bool:
        return self.force_id is not None


class Lenses(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(force__isnull=False)


class LocalLens(EngagementDefinition):
    """A force's own variant of the ladder, for its own use beside the shared one.

    Made from the current shared version, edited like a draft, published for its force only, and
    computed for that force only. Its figures are never mixed into the shared ones: they are read
    only when asked for by name (engagement.store.lenses).
    """

    objects = Lenses()

    class Meta:
        proxy = True
        default_manager_name = "objects"
        verbose_name = "local lens"
        verbose_name_plural = "local lenses"
        ordering = ["force__name", "-version"]


# A lens's history is its definition version's (kept on the concrete model): the admin's history
# page of a lens reads it through the same manager.
LocalLens._meta.simple_history_manager_attribute = "history"


class DraftOnlyModel(models.Model):
    """Rows of a definition: writable while their definition is a draft, frozen afterwards."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not EngagementDefinition.every_scope.filter(
            pk=self.definition_id, status=DefinitionStatus.DRAFT
        ).exists():
            raise DefinitionLocked(
                f"Definition v{self.definition.version} is {self.definition.status}: "
                "create a new draft to change it."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.definition.is_draft:
            raise DefinitionLocked(
                f"Definition v{self.definition.version} is {self.definition.status}: "
                "create a new draft to change it."
            )
        return super().delete(*args, **kwargs)


class Rung(DraftOnlyModel):
    definition = models.ForeignKey(
        EngagementDefinition, on_delete=models.CASCADE, related_name="rungs"
    )
    position = models.PositiveSmallIntegerField(help_text="0 (none) to 6 (co-designer).")
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["definition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "position"], name="rung_position_unique"),
            models.UniqueConstraint(fields=["definition", "slug"], name="rung_slug_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position} {self.name}"


class InteractionKind(DraftOnlyModel):
    definition = models.ForeignKey(
        EngagementDefinition, on_delete=models.CASCADE, related_name="kinds"
    )
    slug = models.SlugField(max_length=40)
    rung = models.ForeignKey(
        Rung,
        null=True,
        blank=True,
        # RESTRICT, not PROTECT: a rung a kind reaches is never deleted on its own, but a
        # discarded draft takes its rungs and kinds with it.
        on_delete=models.RESTRICT,
        related_name="kinds",
        help_text="The rung this kind reaches. Empty only for an ending kind such as unfollow.",
    )
    lasting = models.BooleanField(
        default=False,
        help_text="A state that stays open until its ending kind (follow, subscribe).",
    )
    ended_by = models.SlugField(
        max_length=40, blank=True, help_text="For a lasting kind: the kind that ends it."
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["definition", "rung__position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "slug"], name="kind_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.slug


class Citizen(models.Model):
    """A member of the public, known only by a keyed pseudonym of platform and identifier."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    # The 32 bytes of the HMAC-SHA256 (engagement.ingest.pseudonyms), not its 64 hex characters:
    # half the room in this table and in its unique index.
    pseudonym = models.BinaryField(max_length=32, help_text="HMAC-SHA256, 32 bytes.")

    class Meta:
        constraints = [
            # A constraint rather than unique=True: one index on the pseudonym, not two (on
            # PostgreSQL unique=True adds a second one for LIKE, which nothing here asks).
            models.UniqueConstraint(fields=["pseudonym"], name="citizen_pseudonym_unique")
        ]

    def __str__(self) -> str:
        # Never the pseudonym, not even its start: pseudonyms are not shown on any page.
        return f"citizen {self.pk} on {self.platform}"


class Interaction(models.Model):
    """One recorded interaction. Tens of millions of rows: keep it narrow.

    `local_month` is the Europe/London calendar month of `occurred_at` as an index
    (year * 12 + month - 1), fixed at import, so the recompute needs no time-zone arithmetic.

    Only the indexes something reads: the two duplicate rules, and (force, month) for the
    recompute. The references are checked once per import, set-based, where the import looks the
    channel up and upserts the citizen in the same transaction; a database foreign key would
    check them again row by row at commit (three checks per row, a third of an import's time).
    Deleting a channel or force stays protected by Django (PROTECT), and citizens are never
    deleted.
    """

    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    kind = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    local_month = models.PositiveIntegerField()
    # NULL, not "", means "no external id": the two duplicate rules are two partial indexes.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="interaction_external_id_unique_in_channel",
            ),
            models.UniqueConstraint(
                fields=["channel", "citizen", "kind", "occurred_at"],
                condition=models.Q(external_id__isnull=True),
                name="interaction_unique_without_external_id",
            ),
        ]
        indexes = [
            # The recompute reads a force's months, and the range of months held, through it.
            models.Index(fields=["force", "local_month"], name="interaction_force_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.channel_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class StaleMonth(models.Model):
    """A force and month whose figures an import changed: the next incremental recompute's work."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    local_month = models.PositiveIntegerField()
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "local_month"], name="stale_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.force_id} month {self.local_month}"


class StaleCitizenQuerySet(models.QuerySet):
    def mark_recount(self, *, force_id: int, months) -> None:
        """Ask for the force to be recounted from these months: what changed there is not one
        citizen's own interactions (a link, an erasure), so counting by difference cannot tell."""
        self.bulk_create(
            [StaleCitizen(force_id=force_id, citizen=None, local_month=month) for month in months],
            ignore_conflicts=True,
        )


class StaleCitizen(models.Model):
    """A citizen whose interactions in a force and month an import added, beside its StaleMonth
    mark: the next incremental run counts only these citizens again, by difference.

    A row without a citizen asks for a recount of the force instead (StaleCitizen.objects.
    mark_recount): links and erasures change figures without a citizen of their own to count.
    """

    # Above this many changed citizens in a force, recounting it costs less than counting the
    # difference; an import that changes more records a recount rather than each citizen (at
    # national scale a first import would otherwise write a row per citizen and month).
    DIFFERENCE_BUDGET = 50_000

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    citizen = models.ForeignKey(
        "Citizen", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    local_month = models.PositiveIntegerField()

    objects = StaleCitizenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["force", "citizen", "local_month"],
                name="stale_citizen_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.force_id} month {self.local_month}"


class RollupsAhead(models.Model):
    """A force whose rollups a run rebuilt and has not published yet: they are ahead of the
    published figures, so its next count must recount, not count by difference (which reads
    the rollups as the published figures saw them). Cleared when the run publishes."""

    definition = models.ForeignKey(
        "EngagementDefinition", on_delete=models.CASCADE, related_name="+"
    )
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["definition", "force"], name="rollups_ahead_unique")
        ]

    def __str__(self) -> str:
        return f"{self.force_id} under {self.definition_id}"


class ImportSource(models.TextChoices):
    """Through which door data came in (an import, a link)."""

    COMMAND = "command", "Command line"
    UPLOAD = "upload", "Upload page"
    API = "api", "API"
    DEMO = "demo", "Demo generator"


class Link(models.Model):
    """A force's record, made with the person's consent, that two identifiers are one person.

    Both identifiers are citizens (pseudonyms, never the raw identifiers), stored in canonical
    order (`citizen` the lower id) so that one unordered pair is one row whatever order it was
    given in. A link holds in its force only. Withdrawing consent deletes the row; erasing either
    citizen deletes it too (CASCADE). See engagement.ingest.links for the rules it is kept by.
    """

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    linked_citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    consented_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = actor_field()
    source = models.CharField(max_length=16, choices=ImportSource.choices)
    # NULL, not "", means "no external id": a link whose external_id its force holds is a duplicate.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["force", "citizen", "linked_citizen"], name="link_unique_pair_in_force"
            ),
            models.UniqueConstraint(
                fields=["force", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="link_external_id_unique_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(citizen__lte=models.F("linked_citizen")),
                name="link_canonical_order",
            ),
        ]

    def __str__(self) -> str:
        # Never the pseudonyms: only which force holds it.
        return f"link {self.pk} in force {self.force_id}"


class LinkedCitizen(models.Model):
    """The person table: in one force, the person (the lowest citizen id among the identifiers
    its links join, directly or through others) of every identifier that has a link to another.

    An unlinked citizen has no row and is their own person, so counting reads
    COALESCE(person, citizen). Rebuilt for a force whenever its links change, never by counting.
    """

    force = models.ForeignKey(
        Force, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    person = models.PositiveBigIntegerField(help_text="The lowest citizen id of the person.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "citizen"], name="linkedcitizen_unique")
        ]

    def __str__(self) -> str:
        return f"citizen {self.citizen_id} is person {self.person} in force {self.force_id}"


class ImportBatch(models.Model):
    """One import of a file or API request: who, what, and how it went (never the rows)."""

    class Kind(models.TextChoices):
        CHANNELS = "channels", "Channels"
        INTERACTIONS = "interactions", "Interactions"
        LINKS = "links", "Links"
        LINK_WITHDRAWALS = "link_withdrawals", "Link withdrawals"
        ROUTES = "routes", "Routes"

    Source = ImportSource

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        REJECTED = "rejected", "Rejected (nothing written)"
        DRY_RUN = "dry_run", "Dry run (nothing written)"
        FAILED = "failed", "Failed (nothing written)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    filename = models.CharField(max_length=255, blank=True)
    user = actor_field()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    # A large upload is imported by a worker: the file waits in UPLOAD_DIR under `upload`, and
    # the page follows bytes_read of bytes_total until the status is an outcome.
    dry_run = models.BooleanField(default=False)
    upload = models.CharField(max_length=255, blank=True)
    bytes_total = models.PositiveBigIntegerField(null=True, blank=True)
    bytes_read = models.PositiveBigIntegerField(default=0)
    # The worker's last sign of life while importing an upload (progress refreshes it): a running
    # import whose heartbeat is older than UPLOAD_LEASE_MINUTES has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # An upload read through an import profile: the profile document the worker reads it with
    # (the values given for the import fixed in it); empty for Ladder's own layout.
    profile = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class ImportProfile(models.Model):
    """A force's saved import profile: how to read one of its tools' exports as Ladder's rows
    (docs/import-profiles.md). A force data manager saves profiles for their own forces; the
    history keeps every version and who saved it."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="import_profiles")
    name = models.SlugField(max_length=63, help_text="Unique within the force.")
    document = models.JSONField(help_text="The profile document.")
    saved_by = actor_field()
    saved_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["force__slug", "name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="import_profile_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.force.slug}/{self.name}"


class RecomputeRun(models.Model):
    """One recompute: when, which definition, what it covered, how long, and how it ended."""

    class Mode(models.TextChoices):
        FULL = "full", "Full rebuild"
        INCREMENTAL = "incremental", "Incremental"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run was in progress)"
        ABANDONED = "abandoned", "Abandoned (the run died; cleaned up)"

    definition = models.ForeignKey(
        EngagementDefinition, on_delete=models.PROTECT, related_name="runs"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    preview = models.BooleanField(
        default=False,
        help_text="Computed under a draft definition: never replaces published figures.",
    )
    requested_by = actor_field()
    queued_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the run was last handed to the workers (Redis); empty while it could "
        "not be, e.g. Redis was down. A run still queued long after is sent again.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    covered = models.JSONField(
        default=dict, blank=True, help_text="The forces and months this run computed."
    )
    rows_written = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from a step of this run."
    )
    in_process = models.BooleanField(
        default=False,
        help_text="Run start to finish by one process (the command), which holds its lock "
        "throughout; otherwise shared out as Celery tasks.",
    )

    class Meta:
        ordering = ["-queued_at"]
        permissions = [("start_recompute", "Can start a recompute (or a draft's preview)")]
        constraints = [
            # Two runs never overlap: at most one run is running at any moment.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="one_running_recompute",
            )
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} v{self.definition.version} {self.mode} {self.status}"

    @property
    def waiting(self) -> str:
        """Why a queued run has not started, in words; empty when it is not stuck.

        Not sent: Redis was unreachable when it was queued. Not picked up: it was sent more
        than RECOMPUTE_RESEND_MINUTES ago and no worker started it. Both are sent again by
        engagement.ladder.tasks.resend_waiting_runs.
        """
        if self.status != self.Status.QUEUED or self.in_process:
            return ""
        if self.sent_at is None:
            return "not yet handed to the workers (Redis unreachable); it is sent again"
        waited = timezone.now() - self.sent_at
        if waited > timedelta(minutes=settings.RECOMPUTE_RESEND_MINUTES):
            minutes = int(waited.total_seconds() // 60)
            return f"no worker has picked it up in {minutes} minutes; it is sent again"
        return ""

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class DistributionSnapshot(models.Model):
    """A complete set of figures for one definition version, made current in one transaction."""

    definition = models.ForeignKey(
        EngagementDefinition, on_delete=models.PROTECT, related_name="snapshots"
    )
    run = models.OneToOneField(RecomputeRun, on_delete=models.CASCADE, related_name="snapshot")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField(default=False)
    is_preview = models.BooleanField(default=False)
    first_month = models.PositiveIntegerField(
        null=True, blank=True, help_text="Month index of the earliest interaction held."
    )
    horizon_month = models.PositiveIntegerField(
        null=True, blank=True, help_text="Month index of the horizon (latest interaction held)."
    )
    horizon = models.DateTimeField(
        null=True, blank=True, help_text="The latest occurred_at held when the run started."
    )
    written_at = models.DateTimeField(
        null=True, blank=True, help_text="When every row was written; empty while still writing."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition"],
                condition=models.Q(is_current=True),
                name="one_current_snapshot_per_definition",
            )
        ]

    def __str__(self) -> str:
        return f"Snapshot {self.pk} of v{self.definition.version}"


class Distribution(models.Model):
    """Citizens at one rung, for one scope and period, in one snapshot."""

    snapshot = models.ForeignKey(
        DistributionSnapshot, on_delete=models.CASCADE, related_name="rows"
    )
    period_type = models.CharField(max_length=16, choices=PeriodType.choices)
    period = models.CharField(max_length=8, help_text="2026-04, 2026-Q2, 2026 or 2026-27.")
    period_start = models.DateField(help_text="First day of the period, for ordering.")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    platform = models.CharField(
        max_length=16,
        choices=Platform.choices,
        blank=True,
        default="",
        help_text="The platform of a platform-scope row; empty for the other scopes.",
    )
    rung_position = models.PositiveSmallIntegerField()
    citizens = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty for rung 0 where the population is unknown."
    )

    class Meta:
        permissions = [
            ("read_figures", "Can read the figures: every page, the API and the exports"),
            ("view_small_numbers", "Can see counts that small-number protection withholds"),
        ]
        indexes = [
            models.Index(
                fields=["snapshot", "period_type", "period", "scope", "platform"],
                name="distribution_lookup_idx",
            ),
            models.Index(
                fields=["snapshot", "force", "period_type"], name="distribution_force_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.scope} rung {self.rung_position}: {self.citizens}"


class Transition(models.Model):
    """Mobility: the citizens of one force who stood at `from_rung` in one period and at
    `to_rung` in the next (0: not engaged there), in one snapshot.

    Written by engagement.ladder.mobility with the distributions of the same snapshot; (0, 0) is
    never stored. Deleted with its snapshot (a cascade Django runs as one DELETE: nothing points
    at a transition).
    """

    snapshot = models.ForeignKey(
        DistributionSnapshot, on_delete=models.CASCADE, related_name="transitions"
    )
    period_type = models.CharField(max_length=16, choices=PeriodType.choices)
    from_period = models.CharField(max_length=8, help_text="2026-Q1: the earlier period.")
    to_period = models.CharField(max_length=8, help_text="2026-Q2: the period that follows it.")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+")
    from_rung = models.PositiveSmallIntegerField(help_text="Rung position in the earlier period.")
    to_rung = models.PositiveSmallIntegerField(help_text="Rung position in the next period.")
    citizens = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["snapshot", "period_type", "to_period"], name="transition_lookup_idx"
            ),
            models.Index(fields=["snapshot", "force"], name="transition_force_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.from_period} -> {self.to_period}: rung {self.from_rung} -> {self.to_rung}: "
            f"{self.citizens}"
        )


class RollupRow(models.Model):
    """A row derived from the interactions under one definition version, for one citizen on one
    channel. Rebuilt in bulk by engagement.ladder.counting from interactions that already hold these
    keys: no per-row foreign-key checks and no single-column indexes (each table's own index
    serves the reads)."""

    definition = models.ForeignKey(
        EngagementDefinition,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    force = models.ForeignKey(
        Force, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        abstract = True


class CitizenMonth(RollupRow):
    """Rollup: a citizen's highest rung from moments (non-lasting kinds) on a channel in a month.

    Derived from the interactions under one definition version by engagement.ladder.counting and
    rebuilt force by force; never edited by hand. Lasting states are kept apart (LastingState)
    so that neither table depends on the horizon.
    """

    month = models.PositiveIntegerField()
    rung_position = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["definition", "force", "month"], name="citizenmonth_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"citizen {self.citizen_id} on {self.channel_id} month {self.month}"


class LastingState(RollupRow):
    """Rollup: one lasting state (a follow, a subscription) from the month it opened to the month
    it closed, or still open (closed_month empty: it runs to the horizon)."""

    kind = models.CharField(max_length=40)
    rung_position = models.PositiveSmallIntegerField()
    opened_month = models.PositiveIntegerField()
    closed_month = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["definition", "force"], name="lastingstate_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of citizen {self.citizen_id} on {self.channel_id}"


class PseudonymKeyFingerprint(models.Model):
    """The fingerprint of the PSEUDONYM_KEY this database's citizens were pseudonymised with.

    The key itself is configuration and never stored: the fingerprint is an HMAC of a fixed
    label under the key (engagement.ingest.pseudonym_key), which names the key without giving it
    away. One row, written by the first migrate or import; imports and restores refuse to run
    under a key whose fingerprint differs, because every returning citizen would become new.
    """

    SINGLE = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLE, editable=False)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "pseudonym key fingerprint"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="one_pseudonym_key_fingerprint")
        ]

    def __str__(self) -> str:
        return f"pseudonym key {self.fingerprint[:12]}…"
