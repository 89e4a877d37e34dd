from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo association (`manage.py seed_demo`): data, a plan and one seeder per app."""

    name = "demo"
    verbose_name = _("Demo data")
