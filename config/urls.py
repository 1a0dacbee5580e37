from django.contrib import admin
from django.urls import include, path

from config import health
from dashboard.accounts import admin_sign_in

# A database outage is a 503 with the product's page or the API's error body (config.unavailable).
handler500 = "config.unavailable.server_error"

admin.site.site_header = "Ladder administration"
admin.site.site_title = "Ladder"
admin.site.index_title = "Forces, channels and the shared engagement definition"
admin.site.login = admin_sign_in  # one sign-in page for everyone: the product's

urlpatterns = [
    # The probes, public (no sign-in): liveness, and readiness with its reasons.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("engagement.ingest.urls")),
    path("", include("engagement.preview.urls")),
    path("", include("reports.urls")),
    path("", include("dashboard.urls")),
]
