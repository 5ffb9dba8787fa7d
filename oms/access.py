"""Screen access by role, and the stores a store user may see."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from oms.roles import ADMINISTRATOR, has_role


def role_required(*roles: str) -> Callable:
    """Let users with one of the roles (or administrators) in; others get 403, guests login."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, ADMINISTRATOR, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def stores_of(user):
    """The store locations this user may work in (administrators: every store)."""
    from inventory.models import Location

    stores = Location.objects.filter(type=Location.Type.STORE, is_active=True)
    if has_role(user, ADMINISTRATOR):
        return stores
    return stores.filter(staff=user)


def store_for(user, code: str):
    """The store with this code if the user may work there, else 404 (never another's data)."""
    return get_object_or_404(stores_of(user), code=code)


def require_store(user, code: str):
    store = store_for(user, code)
    if store is None:  # pragma: no cover - get_object_or_404 raises
        raise PermissionDenied
    return store
