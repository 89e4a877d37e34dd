from django.urls import path

from subcommittees import views

app_name = "subcommittees"

urlpatterns = [
    path("", views.subcommittee_list, name="list"),
    path("<int:subcommittee_pk>/", views.subcommittee_detail, name="detail"),
    path("<int:subcommittee_pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path(
        "<int:subcommittee_pk>/announcements/new/",
        views.announcement_new,
        name="announcement_new",
    ),
    path("meetings/<int:meeting_pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path(
        "meetings/<int:meeting_pk>/attendance/",
        views.meeting_attendance,
        name="meeting_attendance",
    ),
    path(
        "announcements/<int:announcement_pk>/",
        views.announcement_detail,
        name="announcement_detail",
    ),
    path(
        "announcements/<int:announcement_pk>/edit/",
        views.announcement_edit,
        name="announcement_edit",
    ),
]
