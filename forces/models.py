"""The 43 territorial police forces of England and Wales and the channels they use."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from forces.choices import Platform


class Force(models.Model):
    slug = models.SlugField(
        max_length=64, unique=True, help_text="The identifier data.police.uk uses, e.g. 'kent'."
    )
    name = models.CharField(max_length=120)
    region = models.CharField(max_length=64, db_index=True)
    country = models.CharField(max_length=16)
    population = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="People living in the force area. Rung 0 (none) is this minus everyone engaged.",
    )
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    population_source = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(population__isnull=True)
                | models.Q(population_year__isnull=False),
                name="force_population_has_year",
                violation_error_message="A population needs the year it describes.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.Model):
    """An account, page or offline programme through which a force meets the public."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="channels")
    slug = models.SlugField(
        max_length=64, help_text="Unique within the force, e.g. 'twitter-main'."
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    name = models.CharField(max_length=200)
    team = models.CharField(
        max_length=200, blank=True, help_text="A neighbourhood team or division, where it has one."
    )
    url = models.URLField(max_length=500, blank=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["force__name", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["force", "slug"], name="channel_slug_unique_in_force")
        ]
        indexes = [models.Index(fields=["platform"], name="channel_platform_idx")]

    def __str__(self) -> str:
        return f"{self.force.slug}/{self.slug}"


class ForceMembership(models.Model):
    """A person attached to a force: a force data manager manages the channels and imports the
    interactions of the forces they are attached to, and of no other."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="force_memberships"
    )
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["force__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "force"], name="force_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} manages {self.force}"
