from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        from admin_ui import menu

        menu.register("dashboard", _("Dashboard"), "dashboard:index", order=0)
