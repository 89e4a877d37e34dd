from django.urls import path

from kpis import dashboard_views

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
]
