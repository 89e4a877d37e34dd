from django.urls import path

from news import manage_views, public_views

app_name = "news"

urlpatterns = [
    path("", public_views.article_list, name="list"),
    path("feed.atom", public_views.article_feed, name="feed"),
    path("<int:article_pk>/", public_views.article_detail, name="detail"),
    path("<int:article_pk>/image", public_views.article_image, name="image"),
    path("manage/", manage_views.manage_list, name="manage"),
    path("manage/new/", manage_views.article_new, name="manage_new"),
    path("manage/<int:article_pk>/", manage_views.article_edit, name="manage_edit"),
]
