from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = _("Configuration")
