"""Whole pages from the cache: the figures' part of a page rendered once per view and reading.

A page's figures (its title, its content and its scripts blocks) depend only on the view and its
arguments, the published snapshots on offer, the force's local-lens snapshot, the reader's
small-number threshold and the reader's choices once normalised (engagement's filters, what was
ignored, which periods are still partial). That rendered HTML is cached under exactly those, so
a warm page costs a few cache reads and the small shell around it; a new snapshot (or lens
snapshot) makes new keys, and the old entries expire.

Nothing of the reader is in the cached part: the blocks are rendered without the request, so
neither the user's name, nor their CSRF token, nor their permissions' links can be stored in
it. The shell (base.html: the header with the name and the sign-out form, the recompute status,
the messages) is rendered for each request around the cached blocks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from render_block import render_block_to_string

from dashboard.page_filters import Filters

if TYPE_CHECKING:
    from engagement.models import DistributionSnapshot

CACHE_SECONDS = 7 * 24 * 3600
BLOCKS = ("title", "content", "scripts")
SHELL = "dashboard/cached_page.html"


@dataclass(frozen=True)
class PageKey:
    """What a page's figures depend on; `key()` is its cache key."""

    view: str
    args: tuple[Any, ...]
    snapshots: tuple[tuple[int, float], ...]  # every snapshot on offer: (id, created)
    lens: tuple[Any, ...]  # the force's published lens and its current snapshot, if any
    threshold: int
    choices: tuple[Any, ...]  # the normalised filters and the view's own choices

    def key(self) -> str:
        return "page:" + hashlib.sha256(repr(self).encode()).hexdigest()


def snapshot_identities(snapshots: Iterable[DistributionSnapshot]) -> tuple[tuple[int, float], ...]:
    return tuple((snapshot.pk, snapshot.created_at.timestamp()) for snapshot in snapshots)


def page_key(
    view: str,
    *,
    snapshots: list[DistributionSnapshot],
    filters: Filters | None,
    threshold: int,
    args: tuple[Any, ...] = (),
    lens: tuple[Any, ...] = (),
    choices: tuple[Any, ...] = (),
) -> PageKey:
    """The key of a page: the filters normalised (so `?period_type=month` and no query share
    one entry), plus what they ignored and which periods are partial today (both shown)."""
    normalised: tuple[Any, ...] = ()
    if filters is not None:
        normalised = (filters.query(), filters.ignored, tuple(sorted(filters.partial)))
    return PageKey(
        view=view,
        args=args,
        snapshots=snapshot_identities(snapshots),
        lens=lens,
        threshold=threshold,
        choices=(*normalised, *choices),
    )


@dataclass(frozen=True)
class Page:
    """A page's figures: their key, the template whose blocks show them, and how to build the
    template's context on a miss."""

    key: PageKey
    template: str
    build: Callable[[], dict[str, Any]]


def page_blocks(page: Page) -> dict[str, str]:
    """The page's blocks (title, content, scripts) as HTML: from the cache, or built, rendered
    without the request (nothing of the reader) and cached."""
    key = page.key.key()
    blocks = cache.get(key)
    if blocks is None:
        context = page.build()
        blocks = {name: render_block_to_string(page.template, name, context) for name in BLOCKS}
        cache.set(key, blocks, CACHE_SECONDS)
    return {name: mark_safe(html) for name, html in blocks.items()}  # noqa: S308 -- our render


def render_cached(
    request: HttpRequest, page: Page, *, shell: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The page: its cached blocks inside the per-request shell (header, status, messages).
    `shell` is what base.html reads besides the reader (the filters, for the menu's links)."""
    return render(request, SHELL, {**shell, "page": page_blocks(page)}, status=status)
