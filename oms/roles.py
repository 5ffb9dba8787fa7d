"""Roles are groups with permissions; each role lands on its own start page."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "administrator"
CARE_AGENT = "care_agent"
STORE_STAFF = "store_staff"
PARTNER_USER = "partner_user"
OPERATIONS_LEAD = "operations_lead"
RETURNS_CLERK = "returns_clerk"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    CARE_AGENT: _("Customer-care agent"),
    STORE_STAFF: _("Store staff"),
    PARTNER_USER: _("Partner user"),
    OPERATIONS_LEAD: _("Operations lead"),
    RETURNS_CLERK: _("Returns clerk"),
}

# Model permissions per role, as "app_label.codename" prefixes ("view_", "change_" ...).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMINISTRATOR: ["*"],
    CARE_AGENT: [
        "orders.view_*",
        # One permission per care action (orders.Order.Meta.permissions).
        "orders.cancel_order",
        "orders.change_address_order",
        "orders.change_payment_order",
        "orders.exchange_order",
        "orders.approve_order",
        "orders.refund_order",
        "orders.resend_message_order",
        "returns.view_*",
        "returns.add_return",
        "returns.override_return_window",
        "fulfillment.view_*",
        "inventory.view_*",
    ],
    STORE_STAFF: [
        "fulfillment.view_deliveryorder",
        "fulfillment.change_deliveryorder",
        "inventory.view_*",
        "returns.add_return",
        "returns.view_*",
    ],
    PARTNER_USER: ["fulfillment.view_deliveryorder", "fulfillment.change_deliveryorder"],
    OPERATIONS_LEAD: ["orders.view_*", "fulfillment.view_*", "inventory.view_*", "returns.view_*"],
    RETURNS_CLERK: ["returns.view_*", "returns.process_return", "orders.view_order"],
}

# The start page each role lands on after login (first matching role wins).
START_PAGES = [
    (ADMINISTRATOR, "admin:index"),
    (OPERATIONS_LEAD, "dashboard"),
    (CARE_AGENT, "care-home"),
    (STORE_STAFF, "store-home"),
    (PARTNER_USER, "partner-home"),
    (RETURNS_CLERK, "returns-desk"),
]


def _permissions_matching(patterns: list[str], using: str):
    permissions = Permission.objects.using(using)
    if patterns == ["*"]:
        return permissions.all()
    query = Q(pk__in=[])
    for pattern in patterns:
        app_label, codename = pattern.split(".")
        if codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return permissions.filter(query)


def ensure_roles(using: str = "default") -> dict[str, Group]:
    """Create or update the role groups with their permissions (idempotent)."""
    groups = {}
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set(_permissions_matching(patterns, using))
        groups[role] = group
    return groups


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        names.add(ADMINISTRATOR)
    return names


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))
