from django.urls import path

from engagement.preview import views

app_name = "preview"

urlpatterns = [
    path("definitions/<int:pk>/impact/", views.impact_page, name="impact"),
    path("definitions/<int:pk>/impact/status/", views.impact_status, name="status"),
    path("definitions/<int:pk>/impact/start/", views.start_preview, name="start"),
]
