from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Connects the Celery signal handlers that time tasks (web and worker processes).
        from monitoring import metrics  # noqa: F401
