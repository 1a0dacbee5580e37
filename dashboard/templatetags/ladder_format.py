"""How the pages write their numbers: shares that never read 0.0 % for a non-zero count, rates per
1,000 residents, periods as people say them, and changes with an arrow."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _figure(value: float) -> str:
    """One place, or two significant figures below 0.1 so that a small share is never 0.0."""
    if value and abs(value) < 0.1:
        return f"{value:.2g}" if abs(value) >= 1e-4 else f"{value:.1e}"
    return f"{value:.1f}"


@register.filter
def share(value: float | str | None) -> str:
    """A percentage (of the engaged): "12.5%", "0.042%", "0%"; "–" where there is none; a
    withheld share ([c], small-number protection) as it is."""
    if isinstance(value, str):
        return value
    if value is None:
        return "–"
    return "0%" if value == 0 else f"{_figure(value)}%"


@register.filter
def rate(value: float | str | None) -> str:
    """A rate per 1,000 residents: "1.2", "0.031", "0"; "–" where there is none; a withheld
    rate as it is."""
    if isinstance(value, str):
        return value
    if value is None:
        return "–"
    return "0" if value == 0 else _figure(value)


@register.filter
def change(value: float | None) -> SafeString | str:
    """A change in percentage points, with an arrow and words for screen readers."""
    if value is None:
        return "–"
    if round(value, 1) == 0:
        return mark_safe('<span class="change same" title="no change">▶ 0.0 pts</span>')
    up = value > 0
    return format_html(
        '<span class="change {}"><span aria-hidden="true">{}</span> {}{} pts'
        '<span class="visually-hidden"> ({})</span></span>',
        "up" if up else "down",
        "▲" if up else "▼",
        "+" if up else "−",
        _figure(abs(value)),
        "up" if up else "down",
    )


@register.filter
def number(value: float | int | str | None) -> str:
    """A raw number for sorting (data-value): no thousands separator, no localisation; empty
    where there is none or it is withheld."""
    return "" if value is None or isinstance(value, str) else repr(value)


@register.filter
def as_choices(values: Iterable[str]) -> list[tuple[str, str]]:
    """Plain values as (value, text) choices, each its own text (for _select_field.html)."""
    return [(value, value) for value in values]
