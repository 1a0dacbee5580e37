"""The Content-Security-Policy in a real browser: a page with charts loads without a violation."""

from tests import test_dashboard_browser as dashboard_browser
from tests.test_dashboard_browser import charts_drawn, open_page

# The dashboard's browser, server and signed-in page, shared.
pytestmark = dashboard_browser.pytestmark
browser_context_args = dashboard_browser.browser_context_args
signed_in = dashboard_browser.signed_in
data = dashboard_browser.data

# Recorded by the browser itself, before any of the page's own scripts run.
RECORD_VIOLATIONS = """
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
        window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
"""


def test_a_force_page_with_charts_loads_without_a_csp_violation(signed_in, data):
    signed_in.add_init_script(RECORD_VIOLATIONS)
    response = signed_in.goto(signed_in.base + "/forces/kent/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = open_page(signed_in, "/forces/kent/")
    assert page.evaluate("() => window.cspViolations") == []
    assert page.errors == []
    assert charts_drawn(page) >= 1  # the json_script data blocks were read and drawn
