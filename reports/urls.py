from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report, name="report"),
    path("reports/export.csv", views.export_csv, name="export"),
    path("reports/save/", views.save, name="save"),
    path("reports/saved/", views.saved_list, name="saved-list"),
    path("reports/saved/<int:pk>/", views.saved, name="saved"),
    path("reports/saved/<int:pk>/run/", views.run_now, name="run"),
    path("reports/deliveries/<int:pk>/", views.delivery_file, name="delivery"),
]
