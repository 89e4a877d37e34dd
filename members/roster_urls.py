"""/members/roster/: officers import and export the member list (in the `members` namespace)."""

from django.urls import path

from members import roster_views

urlpatterns = [
    path("", roster_views.roster, name="roster"),
    path("preview/", roster_views.roster_preview, name="roster_preview"),
    path("apply/", roster_views.roster_apply, name="roster_apply"),
    path("progress/", roster_views.roster_progress, name="roster_progress"),
    path("export.csv", roster_views.roster_export_csv, name="roster_export_csv"),
    path("export.xlsx", roster_views.roster_export_xlsx, name="roster_export_xlsx"),
]
