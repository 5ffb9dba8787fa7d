from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from oms import roles


def navigation(request) -> dict:
    """The navigation entries the signed-in user's roles may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    user_roles = roles.roles_of(user)
    is_admin = roles.ADMINISTRATOR in user_roles
    items = []
    if is_admin or roles.OPERATIONS_LEAD in user_roles:
        items.append((_("Dashboard"), reverse("dashboard")))
    if is_admin or roles.CARE_AGENT in user_roles:
        items.append((_("Customer care"), reverse("care-home")))
    if is_admin or roles.STORE_STAFF in user_roles:
        items.append((_("Store"), reverse("store-home")))
    if is_admin or roles.PARTNER_USER in user_roles:
        items.append((_("Partner portal"), reverse("partner-home")))
    if is_admin or roles.RETURNS_CLERK in user_roles:
        items.append((_("Returns desk"), reverse("returns-desk")))
    if is_admin:
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items, "user_roles": user_roles}
