from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report, name="report"),
    path("reports/export.csv", views.export_csv, name="export"),
]
