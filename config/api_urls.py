"""/api/v1/: the versioned REST API, its OpenAPI schema and its documentation page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from engagement.api_read import DefinitionViewSet, DistributionViewSet, RecomputeRunViewSet
from forces.api import ChannelViewSet, ForceViewSet

router = SimpleRouter()
router.register("forces", ForceViewSet, basename="force")
router.register("channels", ChannelViewSet, basename="channel")
router.register("definitions", DefinitionViewSet, basename="definition")
router.register("recompute-runs", RecomputeRunViewSet, basename="recompute-run")
router.register("distributions", DistributionViewSet, basename="distribution")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
