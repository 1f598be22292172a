from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own system checks (config/checks.py); config/ holds no models."""

    name = "config"
    verbose_name = "Project configuration"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
