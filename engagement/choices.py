"""The vocabulary of the figures, shared by the models and the pages that only read them."""

from django.db import models


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


# What a published figure shows instead of a count small enough to single someone out (and of
# every share computed from it): small-number protection, engagement.store.suppression.
WITHHELD = "[c]"
