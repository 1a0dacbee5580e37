"""The 43 territorial police forces of England and Wales and the channels they use."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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


# LADDER.md ("Channels"): a slug starts with a lower-case letter or a digit (one starting with
# `-` reads as an option on a command line and as a formula in a spreadsheet).
CHANNEL_SLUG_PATTERN = r"^[a-z0-9][-a-zA-Z0-9_]*\Z"
CHANNEL_SLUG_RULE = "starts with a lower-case letter or a digit, then letters, digits, - and _"
CHANNEL_MOVE_REFUSED = (
    "This channel already has interactions: its force and platform cannot change (its "
    "citizens and figures belong to them). Make a new channel instead."
)


class Channel(models.Model):
    """An account, page or offline programme through which a force meets the public.

    A channel belongs to one force and one platform for ever once data refer to it: its citizens'
    pseudonyms are per platform and its figures per force, so a move would split a citizen in two
    and leave a follow open for ever. Every route (admin, the force's channel list, imports,
    code) is refused: in `clean` with a message for a form, and again in `save`.
    """

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="channels")
    slug = models.SlugField(
        max_length=64,
        help_text="Unique within the force, e.g. 'twitter-main'; starts with a lower-case letter "
        "or a digit.",
        validators=[
            RegexValidator(CHANNEL_SLUG_PATTERN, f"A channel slug {CHANNEL_SLUG_RULE}.", "slug")
        ],
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

    def save(self, *args, **kwargs) -> None:
        self.refuse_a_move()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.refuse_a_move()

    def refuse_a_move(self) -> None:
        """ValidationError when this edit moves a channel that data refer to."""
        if self.pk is None:
            return
        held = Channel.objects.filter(pk=self.pk).values_list("force_id", "platform").first()
        if held is None or held == (self.force_id, self.platform):
            return
        if self.has_data():
            raise ValidationError(CHANNEL_MOVE_REFUSED, code="channel_has_data")

    def has_data(self) -> bool:
        """Whether rows that must not be moved refer to this channel: the relations that
        protect it from deletion (interactions, published figures), found without naming them,
        as forces knows nothing of the apps above it."""
        return any(
            relation.related_model._default_manager.filter(
                **{relation.field.name: self.pk}
            ).exists()
            for relation in self._meta.get_fields(include_hidden=True)
            if relation.one_to_many
            and relation.auto_created
            and getattr(relation, "on_delete", None) is models.PROTECT
        )


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


ROUTE_RUNGS = (1, 6)  # the rungs a route may lead to: 1 (Reached) to 6 (Co-Designer)
ROUTE_CHANNEL_ELSEWHERE = "The route's channel must be one of its own force's channels."
ROUTE_CLOSES_BEFORE_OPENING = "A route cannot close before the day it opens."


class Route(models.Model):
    """A way in that a force offers to one rung: a Special Constabulary intake (Volunteer), an
    independent advisory group (Co-Designer), a street briefing programme (Participation).

    Counting people on the ladder cannot say whether a rung nobody reaches is one nobody is
    offered; a route says what is offered, and when (`opens_on` to `closes_on`, Europe/London
    days, both included; no `closes_on` while it stays open). Its interactions are recorded on
    `channel` when it has one, which is always one of its own force's channels. A route is known
    by its force and name.
    """

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="routes")
    rung_position = models.PositiveSmallIntegerField(
        help_text="The rung the route leads to, 1 to 6.",
        validators=[MinValueValidator(ROUTE_RUNGS[0]), MaxValueValidator(ROUTE_RUNGS[1])],
    )
    name = models.CharField(max_length=200, help_text="Unique within the force.")
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routes",
        help_text="Where the route's interactions are recorded, if anywhere (its use comes "
        "from this channel's figures).",
    )
    url = models.URLField(max_length=500, blank=True)
    opens_on = models.DateField(help_text="The first day it is open (Europe/London).")
    closes_on = models.DateField(
        null=True, blank=True, help_text="The last day it is open; empty while it stays open."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["force__name", "rung_position", "name"]
        permissions = [("change_every_route", "Can change every force's routes")]
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="route_name_unique_in_force"),
            models.CheckConstraint(
                condition=models.Q(rung_position__gte=ROUTE_RUNGS[0])
                & models.Q(rung_position__lte=ROUTE_RUNGS[1]),
                name="route_rung_1_to_6",
                violation_error_message="A route leads to a rung from 1 to 6.",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(closes_on__gte=models.F("opens_on")),
                name="route_closes_after_opening",
                violation_error_message=ROUTE_CLOSES_BEFORE_OPENING,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force.slug}/{self.name}"

    def save(self, *args, **kwargs) -> None:
        # Every door (admin, import, code) keeps the channel in the route's force.
        self.refuse_another_forces_channel()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.force_id is not None:
            self.refuse_another_forces_channel()

    def refuse_another_forces_channel(self) -> None:
        """ValidationError when the route's channel belongs to another force."""
        if self.channel_id is not None and self.channel.force_id != self.force_id:
            raise ValidationError({"channel": ROUTE_CHANNEL_ELSEWHERE})
