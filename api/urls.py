"""/api/v1/: the versioned REST API, its OpenAPI schema and its documentation page.

Each app's API views live in its own module: forces/api.py, engagement/api.py (the interactions
import), engagement/api_read.py (definitions, runs and the figures).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from api import ingest as ingest_api
from api.figures import DefinitionViewSet, DistributionViewSet, RecomputeRunViewSet
from api.forces import ChannelViewSet, ForceViewSet
from api.root import api_root

router = SimpleRouter()
router.register("forces", ForceViewSet, basename="api-force")
router.register("channels", ChannelViewSet, basename="api-channel")
router.register("definitions", DefinitionViewSet, basename="api-definition")
router.register("recompute-runs", RecomputeRunViewSet, basename="api-recompute-run")
router.register("distributions", DistributionViewSet, basename="api-distribution")

urlpatterns = [
    path("", api_root, name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "interactions/",
        ingest_api.InteractionImportView.as_view(),
        name="api-interactions-import",
    ),
    path("", include(router.urls)),
]
