from django.urls import path

from dashboard import accounts, views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("forces/<slug:slug>/", views.force_page, name="force"),
    path("forces/<slug:slug>/channels/<slug:channel>/", views.channel_page, name="channel"),
    path("compare/", views.compare, name="compare"),
    path("definition/", views.definition, name="definition"),
    path("sign-in/", accounts.sign_in, name="sign-in"),
    path("sign-out/", accounts.sign_out, name="sign-out"),
]
