"""Tenant-wide configuration: countries, shops (sales channels), users, API clients."""

import hashlib
import secrets
import zoneinfo
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oms.validators import code_validator


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Country(models.Model):
    code = models.CharField(
        _("ISO code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Two upper-case letters, e.g. DE."))],
    )
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("ISO 4217 code, e.g. EUR."))],
    )
    currency_decimals = models.PositiveSmallIntegerField(
        _("currency decimals"), default=2, validators=[MaxValueValidator(3)]
    )
    languages = models.CharField(
        _("languages"), max_length=100, default="de", help_text=_("Comma-separated, e.g. de,en.")
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("19.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Shop(models.Model):
    """A sales channel: a web shop, a marketplace, the stores' till, the call centre, an app."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web shop")
        MARKETPLACE = "marketplace", _("Marketplace")
        STORE = "store", _("Store")
        CALL_CENTRE = "call_centre", _("Call centre")
        APP = "app", _("App")

    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="shops", verbose_name=_("country")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("ISO 4217 code, e.g. EUR."))],
    )
    language = models.CharField(_("language"), max_length=10, default="de")
    is_active = models.BooleanField(_("active"), default=True)
    partner = models.ForeignKey(
        "fulfillment.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shops",
        verbose_name=_("marketplace partner"),
    )
    fulfilment_locations = models.ManyToManyField(
        "inventory.Location",
        blank=True,
        related_name="shops",
        verbose_name=_("locations that may fulfil this shop"),
    )
    sells_stock_in_transit = models.BooleanField(
        _("sells stock in transit"),
        default=False,
        help_text=_(
            "Orders may also reserve stock on its way to the shop's locations (purchase "
            "orders, transfers); they are delivered after it arrives."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.channel == self.Channel.MARKETPLACE and self.partner_id is None:
            raise ValidationError({"partner": _("A marketplace shop needs its partner.")})
        if self.partner_id is not None:
            from fulfillment.models import Partner

            if self.channel != self.Channel.MARKETPLACE:
                raise ValidationError({"partner": _("Only a marketplace shop has a partner.")})
            if self.partner.kind != Partner.Kind.MARKETPLACE:
                raise ValidationError({"partner": _("The partner must be a marketplace.")})


class User(AbstractUser):
    """A back-office user. Store staff are bound to stores, partner users to a partner."""

    locations = models.ManyToManyField(
        "inventory.Location",
        blank=True,
        related_name="staff",
        verbose_name=_("stores"),
        help_text=_("Store staff see only these stores."),
    )
    partner = models.ForeignKey(
        "fulfillment.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("partner"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    """A shop, partner or system that calls the REST API with a bearer token."""

    class Scope(models.TextChoices):
        SHOP = "shop", _("Shop")
        PARTNER = "partner", _("Partner")
        SYSTEM = "system", _("System")

    name = models.CharField(_("name"), max_length=100, unique=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="api_clients"
    )
    partner = models.ForeignKey(
        "fulfillment.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token starts with"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(
                name="api_client_binding_matches_scope",
                condition=(
                    models.Q(scope="shop", shop__isnull=False, partner__isnull=True)
                    | models.Q(scope="partner", partner__isnull=False, shop__isnull=True)
                    | models.Q(scope="system", shop__isnull=True, partner__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal like a user.
    is_authenticated = True

    def clean(self) -> None:
        super().clean()
        if self.scope == self.Scope.SHOP and not self.shop_id:
            raise ValidationError({"shop": _("A shop client must be bound to a shop.")})
        if self.scope == self.Scope.PARTNER and not self.partner_id:
            raise ValidationError({"partner": _("A partner client must be bound to a partner.")})
        if self.scope != self.Scope.SHOP and self.shop_id:
            raise ValidationError({"shop": _("Only shop clients are bound to a shop.")})
        if self.scope != self.Scope.PARTNER and self.partner_id:
            raise ValidationError({"partner": _("Only partner clients are bound to a partner.")})

    def issue_token(self) -> str:
        """Give the client a new token; return it in clear text (shown once, stored hashed)."""
        token = "oms_" + secrets.token_urlsafe(32)
        self.set_token(token)
        return token

    def set_token(self, token: str) -> None:
        self.token_hash = hash_token(token)
        self.token_prefix = token[:8]


class IdempotencyRecord(models.Model):
    """The stored response to a POST carrying an Idempotency-Key (kept at least 24 h)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
