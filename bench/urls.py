"""The site's URLs plus /bench/bare (bench/settings.py only)."""

from django.urls import path

from association.permissions import public
from bench.views import bare
from config.urls import handler400
from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench/bare", public(bare)), *site_urlpatterns]
__all__ = ["handler400", "urlpatterns"]
