from django.urls import include, path

app_name = "members"

urlpatterns = [
    path("roster/", include("members.roster_urls")),
]
