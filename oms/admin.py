"""The admin console for the tenant-wide configuration: countries, shops, users, API clients."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from inventory.models import Location
from oms import roles
from oms.models import ApiClient, Country, Shop, User
from oms.services import api_clients_revoke

admin.site.site_header = _("OMS administration")
admin.site.site_title = _("OMS administration")
admin.site.index_title = _("Configuration")


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "vat_rate", "languages", "time_zone"]
    list_filter = ["currency", "time_zone"]
    search_fields = ["code", "name"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "channel", "country", "currency", "language", "is_active"]
    list_filter = ["channel", "country", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["country"]
    filter_horizontal = ["fulfilment_locations"]
    autocomplete_fields = ["partner"]
    fieldsets = [
        (None, {"fields": ["code", "name", "channel", "country", "currency", "language"]}),
        (_("Marketplace"), {"fields": ["partner"]}),
        (
            _("Fulfilment"),
            {"fields": ["fulfilment_locations", "sells_stock_in_transit", "is_active"]},
        ),
    ]


class OmsUserChangeForm(UserChangeForm):
    """Keeps roles consistent: only administrators reach the admin console."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self) -> dict:
        cleaned = super().clean()
        group_names = {group.name for group in cleaned.get("groups") or []}
        is_admin = cleaned.get("is_superuser") or roles.ADMINISTRATOR in group_names
        errors = {}
        if cleaned.get("is_staff") and not is_admin:
            errors["is_staff"] = _(
                "Only administrators may use the admin console; give the user the "
                "administrator role or leave staff status off."
            )
        if roles.PARTNER_USER in group_names and not cleaned.get("partner"):
            errors["partner"] = _("A partner user must be bound to a partner.")
        if roles.STORE_STAFF in group_names and not cleaned.get("locations"):
            errors["locations"] = _("Store staff must be bound to at least one store.")
        if errors:
            raise ValidationError(errors)
        return cleaned


@admin.register(User)
class OmsUserAdmin(UserAdmin):
    form = OmsUserChangeForm
    list_display = ["username", "get_full_name", "email", "role_names", "partner", "is_active"]
    list_filter = ["groups", "is_active", "is_staff", "partner"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Roles and bindings"), {"fields": ["locations", "partner"]}),
    ]
    filter_horizontal = ["groups", "user_permissions", "locations"]

    @admin.display(description=_("roles"))
    def role_names(self, user: User) -> str:
        return ", ".join(
            str(roles.ROLE_LABELS.get(group.name, group.name)) for group in user.groups.all()
        )

    @admin.display(description=_("name"))
    def get_full_name(self, user: User) -> str:
        return user.get_full_name()

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("partner").prefetch_related("groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "locations":
            kwargs["queryset"] = Location.objects.filter(type=Location.Type.STORE)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ApiClientAddForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "scope", "shop", "partner"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Issue tokens (shown once, stored hashed) and revoke them."""

    list_display = [
        "name",
        "scope",
        "shop",
        "partner",
        "is_active",
        "token_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope", "is_active", "shop", "partner"]
    search_fields = ["name", "token_prefix"]
    list_select_related = ["shop", "partner"]
    actions = ["revoke"]
    readonly_fields = [
        "scope",
        "shop",
        "partner",
        "is_active",
        "token_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiClientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ApiClientAddForm.Meta.fields
        return ["name", *self.readonly_fields]

    def save_model(self, request, obj: ApiClient, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token = obj.issue_token()
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            format_html(
                "{} <code class='api-token'>{}</code> {}",
                _("The token of %(name)s is") % {"name": obj.name},
                token,
                _("Copy it now: it is stored only as a hash and is not shown again."),
            ),
        )

    @admin.action(description=_("Revoke the selected clients' tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        count = api_clients_revoke(clients=queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
