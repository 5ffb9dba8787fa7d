from django.core.management.base import BaseCommand, CommandError

from fulfillment.models import Partner
from oms.models import ApiClient, Shop


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
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"An API client named {name!r} exists already.")
        client = ApiClient(name=name)
        if shop:
            client.scope = ApiClient.Scope.SHOP
            client.shop = Shop.objects.filter(code=shop).first()
            if client.shop is None:
                raise CommandError(f"Unknown shop {shop!r}.")
        elif partner:
            client.scope = ApiClient.Scope.PARTNER
            client.partner = Partner.objects.filter(code=partner).first()
            if client.partner is None:
                raise CommandError(f"Unknown partner {partner!r}.")
        else:
            client.scope = ApiClient.Scope.SYSTEM
        token = client.issue_token()
        client.full_clean()
        client.save()
        self.stdout.write(token)
        self.stderr.write("Store this token now; it is not shown again.")
