from django.urls import path

from recruitment import views

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
]
