from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomercareConfig(AppConfig):
    name = "customercare"
    verbose_name = _("Customer care")
