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
from kpis.api import FilingDetailView, FilingListView
from members.api import OfficeListView
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
        path("offices/", OfficeListView.as_view(), name="offices"),
        path("subcommittees/", SubcommitteeListView.as_view(), name="subcommittees"),
        path("filings/", FilingListView.as_view(), name="filings"),
        path("filings/<int:staffing_report_pk>/", FilingDetailView.as_view(), name="filing_detail"),
    ],
    "api",
)

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
]
