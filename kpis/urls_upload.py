"""/kpis/upload/ (a corporation files many offices at once) and an office's API tokens."""

from django.urls import path

from kpis import upload_views

urlpatterns = [
    path("upload/", upload_views.upload, name="upload"),
    path("upload/preview/", upload_views.upload_preview, name="upload_preview"),
    path("upload/apply/", upload_views.upload_confirm, name="upload_apply"),
    path("upload/progress/", upload_views.upload_progress, name="upload_progress"),
    path("upload/template.csv", upload_views.upload_template_csv, name="upload_template"),
    path("offices/<int:office_pk>/tokens/", upload_views.office_tokens, name="office_tokens"),
]
