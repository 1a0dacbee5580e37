"""The /api/v1/ routes. Each app's API views live in its `api` module."""

from django.urls import path

from engagement import api as engagement_api

urlpatterns = [
    path(
        "interactions/",
        engagement_api.InteractionImportView.as_view(),
        name="api-interactions-import",
    ),
]
