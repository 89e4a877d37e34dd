from django.urls import path

app_name = "subcommittees"

urlpatterns: list = []
