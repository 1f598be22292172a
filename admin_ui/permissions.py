"""Per-page and per-action permissions: a page for a permission the user lacks is a 403 (and its button is hidden)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

# Methods that only read: the page's view permission is enough. Anything else changes something.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def page_permission_required(view_perm: str, *, change: str | tuple[str, ...] | None = None) -> Callable:
    """A page's one gate: reading it (GET, HEAD) needs `view_perm`; a POST to it needs `view_perm` and `change`
    (default: the `change_` permission of the same model, `app.view_x` -> `app.change_x`). 403 when missing.

    Views that only take POSTs name their action's own permission (`change="app.cancel_x"`) instead."""
    app_label, _, codename = view_perm.partition(".")
    if change is None:
        change = f"{app_label}.{codename.replace('view_', 'change_', 1)}"
    change_perms = (change,) if isinstance(change, str) else tuple(change)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            needed = (view_perm,) if request.method in READ_METHODS else (view_perm, *change_perms)
            if not request.user.has_perms(needed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = (view_perm, *change_perms)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view that anyone may open (the login page); the staff middleware lets it through."""
    view.admin_ui_public = True  # type: ignore[attr-defined]
    return view
