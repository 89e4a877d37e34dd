from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("build/", views.report_build, name="build"),
    path("viewers/", views.viewers, name="viewers"),
    path("<int:monthly_report_pk>/", views.report_detail, name="detail"),
    path("<int:monthly_report_pk>/progress/", views.report_progress, name="progress"),
    path("<int:monthly_report_pk>/publish/", views.report_publish, name="publish"),
    path("<int:monthly_report_pk>/figures/", views.report_figures, name="figures"),
    path("<int:monthly_report_pk>/pdf", views.report_pdf, name="pdf"),
    path("<int:monthly_report_pk>/xlsx", views.report_xlsx, name="xlsx"),
]
