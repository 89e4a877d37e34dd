from django.urls import path

from recruitment import posting_views, views

app_name = "recruitment"

urlpatterns = [
    path("booths/", views.my_booths, name="my_booths"),
    path(
        "booths/<int:job_fair_booth_pk>/outcome/",
        views.booth_outcome,
        name="booth_outcome",
    ),
    path("fairs/", views.fair_list, name="fair_list"),
    path("fairs/<int:event_pk>/", views.fair_detail, name="fair_detail"),
    path("postings/", posting_views.posting_list, name="posting_list"),
    path("postings/new/", posting_views.posting_create, name="posting_create"),
    path("figures/", posting_views.figures_page, name="figures"),
    path("postings/overview/", posting_views.posting_overview_page, name="posting_overview"),
    path("postings/<int:job_posting_pk>/", posting_views.posting_detail, name="posting_detail"),
    path("postings/<int:job_posting_pk>/copy/", posting_views.posting_copy, name="posting_copy"),
    path(
        "postings/<int:job_posting_pk>/hide/", posting_views.posting_hide_page, name="posting_hide"
    ),
    path("applications/", posting_views.application_list, name="application_list"),
    path(
        "applications/<int:job_application_pk>/",
        posting_views.application_detail,
        name="application_detail",
    ),
]
