from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """The project's own system checks (config/checks.py); config/ holds no models."""

    name = "config"
    verbose_name = _("Project configuration")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
