"""Validators for master data shared by every app."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lower-case letters, digits and single hyphens, e.g. store-berlin-mitte."),
    code="invalid_code",
)
sku_validator = RegexValidator(
    r"^[A-Z0-9]+(?:[-_.][A-Z0-9]+)*$",
    _("Use upper-case letters, digits and - _ . as separators, e.g. TSHIRT-WHITE-M."),
    code="invalid_sku",
)

# Postcode formats per country (ISO 3166-1 alpha-2). Countries without an entry accept
# any 2–10 letters, digits, spaces or hyphens.
POSTCODE_PATTERNS = {
    "DE": r"\d{5}",
    "AT": r"\d{4}",
    "CH": r"\d{4}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "FR": r"\d{5}",
    "PL": r"\d{2}-\d{3}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
}


def validate_postcode(country_code: str, postcode: str) -> None:
    """Raise a ValidationError when the postcode does not fit the country's format."""
    pattern = POSTCODE_PATTERNS.get((country_code or "").upper(), r"[A-Za-z0-9 \-]{2,10}")
    if not re.fullmatch(pattern, (postcode or "").strip().upper()):
        raise ValidationError(
            _("%(postcode)s is not a valid postcode for %(country)s."),
            code="invalid_postcode",
            params={"postcode": postcode, "country": country_code},
        )


def validate_ean(value: str) -> None:
    """Check an EAN-8/EAN-13/GTIN-14 including its check digit."""
    if not re.fullmatch(r"\d{8}|\d{12,14}", value or ""):
        raise ValidationError(_("An EAN/GTIN has 8, 12, 13 or 14 digits."), code="invalid_ean")
    digits = [int(c) for c in value]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        raise ValidationError(_("The EAN/GTIN check digit is wrong."), code="invalid_ean")
