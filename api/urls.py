"""/api/v1/: the versioned REST API, its OpenAPI schema and its documentation page.

Each app's API views live in its own module: forces/api.py, engagement/api.py (the interactions
import), engagement/api_read.py (definitions, runs and the figures).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import ingest as ingest_api
from api.figures import DefinitionViewSet, DistributionViewSet, RecomputeRunViewSet
from api.forces import ChannelViewSet, ForceViewSet
from api.mobility import MobilityViewSet, SimilarForcesViewSet
from api.root import api_root
from api.routes import RouteViewSet

COLLECTIONS = {
    "forces": (ForceViewSet, "api-force"),
    "channels": (ChannelViewSet, "api-channel"),
    "definitions": (DefinitionViewSet, "api-definition"),
    "recompute-runs": (RecomputeRunViewSet, "api-recompute-run"),
    "distributions": (DistributionViewSet, "api-distribution"),
    "mobility": (MobilityViewSet, "api-mobility"),
    "similar-forces": (SimilarForcesViewSet, "api-similar-forces"),
    "routes": (RouteViewSet, "api-route"),
}

router = SimpleRouter()
for prefix, (viewset, basename) in COLLECTIONS.items():
    router.register(prefix, viewset, basename=basename)

# Every list as a CSV file at its own address (`forces.csv`), the same answer as
# `forces/?format=csv`: a generated client reads one kind of body per operation, so the CSV is an
# operation of its own.
csv_lists = [
    path(
        f"{prefix}.csv",
        viewset.as_view({"get": "list"}),
        {"format": "csv"},
        name=f"{basename}-list-csv",
    )
    for prefix, (viewset, basename) in COLLECTIONS.items()
]

urlpatterns = [
    path("", api_root, name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "interactions/",
        ingest_api.InteractionImportView.as_view(),
        name="api-interactions-import",
    ),
    path("links/", ingest_api.LinkImportView.as_view(), name="api-links-import"),
    path(
        "links/withdrawals/",
        ingest_api.LinkWithdrawalView.as_view(),
        name="api-links-withdraw",
    ),
    path(
        "interactions/profiled/",
        ingest_api.ProfiledImportView.as_view(),
        name="api-interactions-profiled-import",
    ),
    *csv_lists,
    path("", include(router.urls)),
]
