from django.urls import include, path

app_name = "kpis"

urlpatterns = [
    path("", include("kpis.urls_dashboard")),
    path("", include("kpis.urls_filing")),
    path("", include("kpis.urls_upload")),
]
