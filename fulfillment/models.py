"""Who fulfils and ships: partners (dropshippers, marketplaces) and carriers."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.validators import code_validator


class Partner(models.Model):
    """A dropshipper or marketplace the retailer works with; can be switched off quickly."""

    class Kind(models.TextChoices):
        DROPSHIPPER = "dropshipper", _("Dropshipper")
        MARKETPLACE = "marketplace", _("Marketplace")

    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Carrier(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    tracking_url_template = models.CharField(
        _("tracking URL template"),
        max_length=300,
        help_text=_("Use {tracking_number}, e.g. https://track.example/{tracking_number}"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if "{tracking_number}" not in (self.tracking_url_template or ""):
            raise ValidationError(
                {"tracking_url_template": _("The template must contain {tracking_number}.")}
            )
        if not (self.tracking_url_template or "").startswith(("https://", "http://")):
            raise ValidationError(
                {"tracking_url_template": _("The template must be an http(s) address.")}
            )

    def tracking_url(self, tracking_number: str) -> str:
        return self.tracking_url_template.replace("{tracking_number}", tracking_number)


class CarrierService(models.Model):
    """A carrier's service level (standard, express) with its cut-off time for same-day hand-over."""

    class Level(models.TextChoices):
        STANDARD = "standard", _("Standard")
        EXPRESS = "express", _("Express")

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services")
    level = models.CharField(_("service"), max_length=20, choices=Level.choices)
    cutoff_time = models.TimeField(_("cut-off time"), default=datetime.time(15, 0))
    transit_days = models.PositiveSmallIntegerField(_("default transit days"), default=2)

    class Meta:
        ordering = ["carrier__code", "level"]
        verbose_name = _("carrier service")
        verbose_name_plural = _("carrier services")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "level"], name="one_service_level_per_carrier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.level}"
