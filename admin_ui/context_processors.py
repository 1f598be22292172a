from __future__ import annotations

from django.http import HttpRequest

from .menu import build_menu
from .notices import render_notices


def admin_menu(request: HttpRequest) -> dict:
    """The left menu, built lazily: pages that never draw the layout (CSV, redirects) pay nothing."""
    cache: dict = {}

    def menu():
        if "menu" not in cache:
            cache["menu"] = build_menu(request) if getattr(request, "user", None) else []
        return cache["menu"]

    return {"admin_menu": menu}


def admin_notices(request: HttpRequest) -> dict:
    """Notices other apps contribute (e.g. Amazon orders that could not be imported), computed only when drawn."""
    cache: dict = {}

    def notices():
        if "notices" not in cache:
            cache["notices"] = render_notices(request)
        return cache["notices"]

    return {"admin_notices": notices}
