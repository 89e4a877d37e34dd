from django.urls import include, path

from members import views

app_name = "members"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:office_pk>/decide/", views.application_decide, name="decide"),
    path("directory/", views.directory, name="directory"),
    path("my-offices/", views.my_offices, name="my_offices"),
    path("offices/<int:office_pk>/", views.office_detail, name="office"),
    path("offices/<int:office_pk>/edit/", views.office_edit, name="office_edit"),
    path("offices/<int:office_pk>/staff/", views.office_staff_page, name="office_staff"),
    path("invitation/", views.invitation_accept, name="invitation"),
    path("roster/", include("members.roster_urls")),
]
