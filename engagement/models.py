"""The shared engagement ladder, the citizens and interactions counted on it, and the figures.

A definition version fixes the whole ladder: its rungs and which interaction kinds reach which
rung. Interactions keep the kind they were recorded with, so any version can be applied to them.
Citizens are pseudonyms only (see engagement.pseudonyms). The distribution store holds snapshots
of the computed figures; pages, the API and exports read those and never the raw interactions.
"""

from django.conf import settings
from django.db import models

from forces.models import Channel, Force, Platform


class DefinitionLocked(Exception):
    """Raised on any attempt to change a definition version that is no longer a draft."""


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published (current)"
    RETIRED = "retired", "Retired"


class EngagementDefinition(models.Model):
    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True, help_text="What changed in this version, and why.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = "engagement definition"
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="published"),
                name="one_published_definition",
                violation_error_message="Only one definition can be published at a time.",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == DefinitionStatus.DRAFT


class DraftOnlyModel(models.Model):
    """Rows of a definition: writable while their definition is a draft, frozen afterwards."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not EngagementDefinition.objects.filter(
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
        on_delete=models.PROTECT,
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
    pseudonym = models.CharField(max_length=64, help_text="HMAC-SHA256, hex.")

    class Meta:
        constraints = [
            # A constraint rather than unique=True: one index on the pseudonym, not two (on
            # PostgreSQL unique=True adds a second one for LIKE, which nothing here asks).
            models.UniqueConstraint(fields=["pseudonym"], name="citizen_pseudonym_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.pseudonym[:12]}…"


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


class ImportBatch(models.Model):
    """One import of a file or API request: who, what, and how it went (never the rows)."""

    class Kind(models.TextChoices):
        CHANNELS = "channels", "Channels"
        INTERACTIONS = "interactions", "Interactions"

    class Source(models.TextChoices):
        COMMAND = "command", "Command line"
        UPLOAD = "upload", "Upload page"
        API = "api", "API"
        DEMO = "demo", "Demo generator"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        REJECTED = "rejected", "Rejected (nothing written)"
        DRY_RUN = "dry_run", "Dry run (nothing written)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    filename = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.status})"


class PeriodType(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Calendar year"
    FINANCIAL_YEAR = "financial_year", "Financial year (April to March)"


class Scope(models.TextChoices):
    FORCE = "force", "Force"
    CHANNEL = "channel", "Channel"
    # A force's channels on one platform. Not a LADDER.md export scope: the dashboard reads it.
    PLATFORM = "platform", "Platform"


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
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(auto_now_add=True)
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


class RollupRow(models.Model):
    """A row derived from the interactions under one definition version, for one citizen on one
    channel. Rebuilt in bulk by engagement.counting from interactions that already hold these
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

    Derived from the interactions under one definition version by engagement.counting and
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
