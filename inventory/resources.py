"""CSV import/export of locations and products from the admin (django-import-export).

Every row is validated with the model's full_clean(); one bad row rolls the whole file back,
so an import either saves every row or nothing.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from fulfillment.models import Partner
from inventory.models import Location, Product
from oms.models import Country


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's code; unknown codes are a field error."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            raise ValueError(
                _("Unknown %(model)s %(code)r.")
                % {"model": self.model._meta.verbose_name, "code": value}
            ) from None


class BlankAsNullWidget(widgets.CharWidget):
    """An optional unique text column: an empty cell means "none", not an empty string."""

    def clean(self, value, row=None, **kwargs):
        cleaned = (super().clean(value, row, **kwargs) or "").strip()
        return cleaned or None


class AllOrNothingResource(resources.ModelResource):
    """Validates each row with full_clean() and rolls the whole import back on any error."""

    def import_data(self, dataset, *args, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)


class LocationResource(AllOrNothingResource):
    country = fields.Field(
        attribute="country", column_name="country", widget=CodeWidget(Country, field="code")
    )
    partner = fields.Field(
        attribute="partner", column_name="partner", widget=CodeWidget(Partner, field="code")
    )

    class Meta:
        model = Location
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "type",
            "partner",
            "street",
            "postcode",
            "city",
            "country",
            "latitude",
            "longitude",
            "time_zone",
            "opening_hours",
            "daily_capacity",
            "offers_pickup",
            "is_active",
            "is_outage",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ProductResource(AllOrNothingResource):
    ean = fields.Field(attribute="ean", column_name="ean", widget=BlankAsNullWidget())

    class Meta:
        model = Product
        import_id_fields = ["sku"]
        fields = [
            "sku",
            "ean",
            "name",
            "style",
            "size",
            "colour",
            "weight_grams",
            "is_hazardous",
            "is_bulky",
            "is_service",
            "is_active",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
