"""The demo installation: a login to look around with, on the embedded default."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

DEMO_USERNAME = "demo"


@transaction.atomic
def ensure_demo_user() -> tuple[str, str]:
    """A superuser for the demo, its password kept in var/ so it survives restarts."""
    password_file = settings.VAR_DIR / "demo_password"
    if not password_file.exists():
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        password_file.write_text(secrets.token_urlsafe(12))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    user.groups.add(*Group.objects.all())
    return DEMO_USERNAME, password
