"""Reading pages in tests."""

import re

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page_text(response) -> str:
    """A page as served, less its CSRF tokens (the sign-out form's is new on every request), so
    that two renderings of the same figures compare equal."""
    return CSRF_TOKEN.sub("", response.content.decode())
