from django.urls import include, path

app_name = "events"

urlpatterns = [
    path("", include("events.urls_public")),
    path("", include("events.urls_registration")),
]
