from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstoreConfig(AppConfig):
    name = "instore"
    verbose_name = _("Store operations")
