from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from association.views import healthz
from config.sitemaps import robots, sitemap

urlpatterns = [
    path("", include("association.urls")),
    path("members/", include("members.urls")),
    path("subcommittees/", include("subcommittees.urls")),
    path("kpis/", include("kpis.urls")),
    path("reports/", include("reports.urls")),
    path("events/", include("events.urls")),
    path("recruitment/", include("recruitment.urls")),
    path("jobs/", include("recruitment.urls_public")),
    path("news/", include("news.urls")),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots, name="robots"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("config.api_urls")),
]

handler400 = "association.views.bad_request"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
