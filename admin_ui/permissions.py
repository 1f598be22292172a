"""Per-action permissions: a page for a permission the user lacks is a 403 (and its button is hidden)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied


def permission_required(*perms: str) -> Callable:
    """Like Django's, but answers 403 instead of sending a signed-in user back to the login page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = perms  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view that anyone may open (the login page); the staff middleware lets it through."""
    view.admin_ui_public = True  # type: ignore[attr-defined]
    return view
