"""Celery: the dashboard's pages warmed when new figures are published.

The first reader after a nightly run would otherwise pay for building the overview and the force
pages (their figures read from the store, their templates rendered). Once figures are published,
the worker renders those pages at their default choices, for both small-number thresholds a
reader can have (every count shown, or the protected figures), into the page cache.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.http import QueryDict

from dashboard import page_cache, page_selectors
from dashboard.views import force_figures_page, overview_page, status_for
from engagement.ladder.signals import figures_published
from forces.selectors import force_choices


@shared_task(ignore_result=True)
def warm_pages() -> int:
    """Render the overview and every force page at their default choices; returns the pages
    rendered or found already cached. Safe to run twice (a second run finds them cached)."""
    warmed = 0
    for threshold in sorted({0, settings.SUPPRESS_BELOW}):
        status = status_for(QueryDict(), threshold=threshold)
        if status["filters"] is None:
            return warmed
        page_cache.page_blocks(overview_page(status))
        warmed += 1
        for slug, _name, _region in force_choices():
            force = page_selectors.force_with_lens(slug)
            page_cache.page_blocks(force_figures_page(status, force, chosen=""))
            warmed += 1
    return warmed


@receiver(figures_published, dispatch_uid="dashboard-warm-pages")
def warm_after_publishing(sender, **kwargs) -> None:
    """New figures (shared or a lens): warm the pages once the publishing has committed."""
    if settings.DASHBOARD_WARM_PAGES:
        transaction.on_commit(warm_pages.delay)
