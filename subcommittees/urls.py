
app_name = "subcommittees"

urlpatterns: list = []
