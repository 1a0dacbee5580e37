from django.urls import path

from engagement import views

app_name = "engagement"

urlpatterns = [
    path("imports/", views.import_page, name="imports"),
]
