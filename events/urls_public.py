from django.urls import path

from events import public_views

urlpatterns = [
    path("", public_views.event_list, name="list"),
    path("feed.ics", public_views.event_feed, name="feed"),
    path("<int:event_pk>/", public_views.event_detail, name="detail"),
    path("<int:event_pk>/event.ics", public_views.event_ics, name="ics"),
    path("<int:event_pk>/image", public_views.event_image, name="image"),
    path("<int:event_pk>/flyer.pdf", public_views.event_flyer, name="flyer"),
]
