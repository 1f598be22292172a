from __future__ import annotations

from django.http import HttpRequest

from .menu import build_menu


def admin_menu(request: HttpRequest) -> dict:
    """The left menu, built lazily: pages that never draw the layout (CSV, redirects) pay nothing."""
    cache: dict = {}

    def menu():
        if "menu" not in cache:
            cache["menu"] = build_menu(request) if getattr(request, "user", None) else []
        return cache["menu"]

    return {"admin_menu": menu}
