"""What every browser test shares: Debian's Chromium, and axe-core's verdict on a page."""

from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated through the DevTools protocol, not added as a <script> element: the pages'
    # Content-Security-Policy refuses inline scripts, and this one is the test's, not the page's.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def charts_drawn(page) -> int:
    """How many canvases hold a Chart.js chart with data; fails on any canvas left empty."""
    state = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
               const chart = Chart.getChart(c);
               return {id: c.id, drawn: !!chart && chart.data.datasets.length > 0
                       && c.width > 0 && c.height > 0};
           })"""
    )
    assert state, "the page has no chart"
    assert all(chart["drawn"] for chart in state), state
    return len(state)
