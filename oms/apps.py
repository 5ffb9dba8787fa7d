from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles(sender, using: str = "default", **kwargs) -> None:
    # Permissions of later apps appear as their post_migrate runs; ensure_roles is idempotent.
    from oms.roles import ensure_roles

    ensure_roles(using=using)


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = _("Configuration")

    def ready(self) -> None:
        post_migrate.connect(_ensure_roles, dispatch_uid="oms.ensure_roles")
