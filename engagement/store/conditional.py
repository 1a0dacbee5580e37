"""Conditional GET for the figures: they change only when a new snapshot is made current.

Used with django.views.decorators.http.condition by the distributions API and the report
download. The validators describe the snapshot; the URL (filters, format, layout) is the rest of
the cache key, as HTTP caches already key on it.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest

from engagement.definitions.selectors import current_definition
from engagement.models import DistributionSnapshot, EngagementDefinition
from engagement.store.selectors import (
    DistributionFilters,
    FiltersInvalid,
    current_snapshot,
    figures_definition,
    visible_definitions,
)
from engagement.store.suppression import threshold_for


def snapshot_of_request(request: HttpRequest) -> DistributionSnapshot | None:
    """The snapshot a request reads, or None (no validators) when its definition is not valid."""
    version = request.GET.get("definition") or None
    if request.GET.get("lens"):
        try:
            number = int(version) if version else None
            definition = figures_definition(
                DistributionFilters(definition=number, lens=request.GET["lens"])
            )
        except (ValueError, OverflowError, FiltersInvalid):
            return None
        return current_snapshot(definition)
    try:
        definition = (
            current_definition()
            if version is None
            else visible_definitions().get(version=int(version))
        )
    except (ValueError, OverflowError, EngagementDefinition.DoesNotExist):
        return None
    return current_snapshot(definition)


def distributions_last_modified(request: HttpRequest, *args, **kwargs) -> datetime | None:
    snapshot = snapshot_of_request(request)
    if snapshot is None:
        return None
    return snapshot.published_at or snapshot.created_at


def distributions_etag(request: HttpRequest, *args, **kwargs) -> str | None:
    snapshot = snapshot_of_request(request)
    if snapshot is None:
        return None
    published = snapshot.published_at or snapshot.created_at
    # One URL may answer JSON, the browsable page or CSV: each representation has its own tag.
    renderer = getattr(request, "accepted_renderer", None)
    representation = getattr(renderer, "format", "csv")
    # Small-number protection makes a second version of the same figures.
    protected = f"c{threshold_for(request.user)}" if hasattr(request, "user") else "c"
    return f'"snapshot-{snapshot.pk}-{published.timestamp():.0f}-{representation}-{protected}"'
