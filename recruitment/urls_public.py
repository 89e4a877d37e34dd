from django.urls import path

from recruitment import public_views

app_name = "jobs"

urlpatterns = [
    path("", public_views.job_list, name="list"),
    path("feed.atom", public_views.job_feed, name="feed"),
    path("application/", public_views.application_status, name="application_status"),
    path("<int:job_posting_pk>/", public_views.job_detail, name="detail"),
    path("<int:job_posting_pk>/apply/", public_views.job_apply, name="apply"),
    path(
        "<int:job_posting_pk>/photos/<int:job_posting_photo_pk>",
        public_views.job_photo,
        name="photo",
    ),
]
