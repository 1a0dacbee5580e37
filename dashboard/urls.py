from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("forces/<slug:slug>/", views.force_page, name="force"),
    path("forces/<slug:slug>/channels/<slug:channel>/", views.channel_page, name="channel"),
    path("compare/", views.compare, name="compare"),
    path("definition/", views.definition, name="definition"),
    path("healthz", views.healthz, name="healthz"),
]
