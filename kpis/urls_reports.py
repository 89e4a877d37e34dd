from django.urls import path

from kpis import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.report_list, name="list"),
    path("build/", report_views.report_build, name="build"),
    path("viewers/", report_views.viewers, name="viewers"),
    path("<int:monthly_report_pk>/", report_views.report_detail, name="detail"),
    path("<int:monthly_report_pk>/publish/", report_views.report_publish, name="publish"),
    path("<int:monthly_report_pk>/figures/", report_views.report_figures, name="figures"),
    path("<int:monthly_report_pk>/pdf", report_views.report_pdf, name="pdf"),
    path("<int:monthly_report_pk>/xlsx", report_views.report_xlsx, name="xlsx"),
]
