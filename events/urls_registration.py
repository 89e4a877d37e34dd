"""Registration routes (included by events.urls, namespace "events")."""

from django.urls import path

from events import registration_views as views

urlpatterns = [
    path("<int:event_pk>/register/", views.register, name="register"),
    path("registration/", views.registration_status, name="registration"),
    path("cancel/", views.cancel, name="cancel"),
    path("offer/", views.offer, name="offer"),
    path("<int:event_pk>/registrations/", views.registrations, name="registrations"),
    path(
        "events/<int:event_pk>/registrations/print/",
        views.registrations_print,
        name="registrations_print",
    ),
    path(
        "events/<int:event_pk>/registrations.csv",
        views.registrations_csv,
        name="registrations_csv",
    ),
]
