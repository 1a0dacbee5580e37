from django.urls import path

from engagement.ingest import profile_views, views

app_name = "engagement"

urlpatterns = [
    path("imports/", views.import_page, name="imports"),
    path("imports/recompute/", views.recompute_now, name="recompute-now"),
    path("imports/template/<slug:what>.csv", views.template_file, name="import-template"),
    path("imports/<int:pk>/", views.import_batch, name="import-batch"),
    path("imports/profiles/", profile_views.profiles_page, name="import-profiles"),
    path(
        "imports/profiles/<slug:token>/",
        profile_views.draft_page,
        name="import-profile-draft",
    ),
]
