"""What every page's template may show: the last recompute's time and state."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard import page_selectors


def recompute_status(request: HttpRequest) -> dict[str, object]:
    """The latest run, read only if the template shows it (admin pages never do)."""
    return {"last_run": SimpleLazyObject(page_selectors.latest_run)}
