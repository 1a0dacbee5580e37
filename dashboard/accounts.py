"""Signing in and out on the product's own pages (not the admin's).

Every page needs a signed-in person (LoginRequiredMiddleware in the settings); these views are
the way in. Failed attempts are counted by django-axes: a locked account gets the sign-in page
again, saying so and for how long.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.contrib.auth import REDIRECT_FIELD_NAME, views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

TEMPLATE = "registration/sign_in.html"
LOCKED = 429

sign_in = views.LoginView.as_view(template_name=TEMPLATE, redirect_authenticated_user=True)
sign_out = views.LogoutView.as_view()


@login_not_required
def admin_sign_in(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's sign-in, replaced: people sign in on the product's page, then come back.

    A signed-in person without the staff flag is refused here rather than sent round again.
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if request.user.is_staff:
        return redirect(reverse("admin:index"))
    raise PermissionDenied("This account may not open the administration.")


def locked_out(request: HttpRequest, response: HttpResponse | None, credentials: dict | None):
    """django-axes' answer to a locked account: the sign-in page with the lock message."""
    cool_off = get_cool_off(request)
    context = {
        "locked_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "username": (credentials or {}).get("username", ""),
        "next": request.POST.get(REDIRECT_FIELD_NAME, ""),
    }
    return render(request, TEMPLATE, context, status=LOCKED)
