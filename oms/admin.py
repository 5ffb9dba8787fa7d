from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from oms.models import ApiClient, Country, Shop, User


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "vat_rate", "time_zone"]
    search_fields = ["code", "name"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "channel", "country", "currency", "is_active"]
    list_filter = ["channel", "country", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["fulfilment_locations"]


@admin.register(User)
class OmsUserAdmin(UserAdmin):
    fieldsets = [*UserAdmin.fieldsets, ("OMS", {"fields": ["locations", "partner"]})]
    filter_horizontal = ["groups", "user_permissions", "locations"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "shop", "partner", "is_active", "token_prefix", "last_used_at"]
    list_filter = ["scope", "is_active"]
    search_fields = ["name"]
