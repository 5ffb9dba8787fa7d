"""The dashboard's filters; the URL holds them so a view can be shared."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Location
from monitoring.selectors import DEFAULT_WINDOW, WINDOWS, Filters
from oms.models import Shop

FULFILLING_TYPES = [choice for choice in Location.Type.choices if choice[0] != "returns_centre"]


class DashboardFilterForm(forms.Form):
    window = forms.ChoiceField(label=_("Window"), choices=list(WINDOWS.items()), required=False)
    shop = forms.ChoiceField(label=_("Shop"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Shop.Channel.choices], required=False
    )
    location = forms.ChoiceField(label=_("Location"), required=False)
    location_type = forms.ChoiceField(
        label=_("Location type"), choices=[("", _("All")), *FULFILLING_TYPES], required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [
            ("", _("All")),
            *Shop.objects.order_by("code").values_list("code", "name"),
        ]
        self.fields["location"].choices = [
            ("", _("All")),
            *Location.objects.exclude(type=Location.Type.RETURNS_CENTRE)
            .order_by("code")
            .values_list("code", "name"),
        ]

    def filters(self) -> Filters:
        """The valid filters; an unknown value is ignored (and shown as an error)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = {name: self.cleaned_data.get(name) or "" for name in self.fields}
        data["window"] = data["window"] or DEFAULT_WINDOW
        return Filters(**data)
