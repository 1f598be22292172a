from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdminUiConfig(AppConfig):
    name = "admin_ui"
    verbose_name = _("Admin layout")

    def ready(self) -> None:
        from . import languages  # noqa: F401  (copies a person's language into the session at sign-in)
