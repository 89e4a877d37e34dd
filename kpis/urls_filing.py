"""The office's filing form and history, the officers' read-only views and reopening."""

from django.urls import path

from kpis import filing_views

urlpatterns = [
    path("offices/<int:office_pk>/filing/", filing_views.filing, name="filing"),
    path(
        "offices/<int:office_pk>/filing/unchanged/",
        filing_views.filing_unchanged,
        name="filing_unchanged",
    ),
    path(
        "offices/<int:office_pk>/filing/review/",
        filing_views.filing_review,
        name="filing_review",
    ),
    path("offices/<int:office_pk>/history/", filing_views.history, name="history"),
    path(
        "offices/<int:office_pk>/history/review/",
        filing_views.history_review,
        name="history_review",
    ),
    path("offices/<int:office_pk>/reopen/", filing_views.reopen, name="reopen"),
]
