from csp.decorators import csp_update
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from association.api import ApiRootView, MeView
from association.permissions import AccessPolicy
from events.api import EventDetailView, EventListView
from kpis.api import FilingDetailView, FilingListView
from kpis.api_officers import CompletenessView, OfficeFilingMonthsView, TargetListView
from members.api import OfficeDetailView, OfficeListView, OfficeStaffView
from news.api import ArticleDetailView, ArticleListView
from recruitment.api import (
    ApplicationListView,
    JobDetailView,
    JobListView,
    PostingDetailView,
    PostingListView,
)
from reports.api import (
    ReportDetailView,
    ReportFiguresView,
    ReportListView,
    ReportPublishView,
)
from subcommittees.api import SubcommitteeListView


class SchemaView(SpectacularAPIView):
    access_policy = AccessPolicy(public=True)


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script=`), not inline, so the
    site's Content-Security-Policy holds; only its inline styles are allowed here."""

    access_policy = AccessPolicy(public=True)


@method_decorator(
    csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}),
    name="dispatch",
)
class RedocView(SpectacularRedocView):
    access_policy = AccessPolicy(public=True)


api_v1 = (
    [
        path("", ApiRootView.as_view(), name="root"),
        path("me/", MeView.as_view(), name="me"),
        # public
        path("events/", EventListView.as_view(), name="events"),
        path("events/<int:event_pk>/", EventDetailView.as_view(), name="event_detail"),
        path("jobs/", JobListView.as_view(), name="jobs"),
        path("jobs/<int:job_posting_pk>/", JobDetailView.as_view(), name="job_detail"),
        path("news/", ArticleListView.as_view(), name="news"),
        path("news/<int:article_pk>/", ArticleDetailView.as_view(), name="news_detail"),
        # members, offices (their token or their people) and officers
        path("offices/", OfficeListView.as_view(), name="offices"),
        path("offices/<int:office_pk>/", OfficeDetailView.as_view(), name="office_detail"),
        path("offices/<int:office_pk>/staff/", OfficeStaffView.as_view(), name="office_staff"),
        path(
            "offices/<int:office_pk>/filing-months/",
            OfficeFilingMonthsView.as_view(),
            name="office_filing_months",
        ),
        path("subcommittees/", SubcommitteeListView.as_view(), name="subcommittees"),
        path("filings/", FilingListView.as_view(), name="filings"),
        path("filings/<int:staffing_report_pk>/", FilingDetailView.as_view(), name="filing_detail"),
        path("completeness/", CompletenessView.as_view(), name="completeness"),
        path("targets/", TargetListView.as_view(), name="targets"),
        path("postings/", PostingListView.as_view(), name="postings"),
        path("postings/<int:job_posting_pk>/", PostingDetailView.as_view(), name="posting_detail"),
        path("applications/", ApplicationListView.as_view(), name="applications"),
        # the city's reports (and the officers' controls)
        path("reports/", ReportListView.as_view(), name="reports"),
        path("reports/<int:monthly_report_pk>/", ReportDetailView.as_view(), name="report_detail"),
        path(
            "reports/<int:monthly_report_pk>/publish/",
            ReportPublishView.as_view(),
            name="report_publish",
        ),
        path(
            "reports/<int:monthly_report_pk>/figures/",
            ReportFiguresView.as_view(),
            name="report_figures",
        ),
    ],
    "api",
)

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
]
