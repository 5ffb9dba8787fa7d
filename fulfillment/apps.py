from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = _("Routing and fulfilment")

    def ready(self) -> None:
        from fulfillment import (
            admin_routing,  # noqa: F401  (registers the routing admin)
            config,
        )

        config.connect_signals()
