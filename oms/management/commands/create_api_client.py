from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fulfillment.models import Partner
from oms.models import ApiClient, Shop
from oms.services import api_client_create


class Command(BaseCommand):
    help = (
        "Create an API client bound to a shop, a partner or the whole system; print its token once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        binding = parser.add_mutually_exclusive_group(required=True)
        binding.add_argument("--shop", metavar="CODE")
        binding.add_argument("--partner", metavar="CODE")
        binding.add_argument("--system", action="store_true")

    def handle(
        self, *args, name: str, shop: str | None, partner: str | None, system: bool, **options
    ) -> None:
        bound_shop = bound_partner = None
        if shop:
            scope = ApiClient.Scope.SHOP
            bound_shop = Shop.objects.filter(code=shop).first()
            if bound_shop is None:
                raise CommandError(f"Unknown shop {shop!r}.")
        elif partner:
            scope = ApiClient.Scope.PARTNER
            bound_partner = Partner.objects.filter(code=partner).first()
            if bound_partner is None:
                raise CommandError(f"Unknown partner {partner!r}.")
        else:
            scope = ApiClient.Scope.SYSTEM
        try:
            _client, token = api_client_create(
                name=name, scope=scope, shop=bound_shop, partner=bound_partner
            )
        except ValidationError as error:
            messages = [
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            ]
            raise CommandError("; ".join(messages)) from error
        self.stdout.write(token)
        self.stderr.write("Store this token now; it is not shown again.")
