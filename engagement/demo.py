"""The demo installation: logins to look around with, on the embedded default."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from engagement.roles import ANALYSTS

DEMO_USERNAME = "demo"
DEMO_ANALYST = "analyst"


@transaction.atomic
def ensure_demo_users() -> tuple[list[tuple[str, str]], str]:
    """The demo's people, with one password kept in var/ so it survives restarts.

    `demo` is a superuser (every role, and the admin); `analyst` reads everything and changes
    nothing, without the staff flag: the two ends of what a person may do.
    Returns [(username, what they may do)] and the password.
    """
    password_file = settings.VAR_DIR / "demo_password"
    if not password_file.exists():
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        password_file.write_text(secrets.token_urlsafe(12))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    users = get_user_model().objects
    demo, _ = users.get_or_create(username=DEMO_USERNAME)
    demo.is_staff = True
    demo.is_superuser = True
    demo.set_password(password)
    demo.save()
    analyst, _ = users.get_or_create(username=DEMO_ANALYST)
    analyst.is_staff = False
    analyst.set_password(password)
    analyst.save()
    analyst.groups.set([Group.objects.get(name=ANALYSTS)])
    people = [
        (DEMO_USERNAME, "superuser: every role and the administration"),
        (DEMO_ANALYST, "analyst: reads every page, the API and the exports"),
    ]
    return people, password
