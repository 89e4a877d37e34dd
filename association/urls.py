from django.urls import path

from association import views

app_name = "association"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/remind/", views.dashboard_remind, name="dashboard_remind"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("branding/logo", views.logo, name="logo"),
    path("branding/hero", views.hero_image, name="hero"),
]
