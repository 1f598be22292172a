"""The admin's language: the person's own choice (kept with their account), else the browser's (Accept-Language).

The choice is copied into the session when someone signs in, so a page reads it from the session Django loads anyway
and costs no query; choosing another language writes both.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from .models import AdminPreference

SESSION_KEY = "admin_ui_language"


class LanguageRefused(ValueError):
    pass


def supported_language(code: str | None) -> str | None:
    """The settings.LANGUAGES code `code` names (any case, `_` or `-`), or None."""
    wanted = (code or "").strip().lower().replace("_", "-")
    return next((c for c, _name in settings.LANGUAGES if c == wanted), None)


def set_admin_language(*, user: AbstractBaseUser, language: str, actor: AbstractBaseUser | None) -> str:
    """Remember `language` for `user` (blank: follow the browser again). Returns the code stored."""
    code = supported_language(language) if language else ""
    if code is None:
        raise LanguageRefused(_("The admin does not speak %(language)s.") % {"language": language})
    with transaction.atomic():
        AdminPreference.objects.update_or_create(user=user, defaults={"language": code})
    return code


def chosen_language(user: AbstractBaseUser) -> str:
    """The language `user` chose, or "" (the browser's)."""
    return AdminPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""


@receiver(user_logged_in, dispatch_uid="admin_ui.languages.remember_on_login")
def _remember_on_login(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = chosen_language(user)


class UserLanguageMiddleware:
    """After Django's LocaleMiddleware (cookie, then Accept-Language): a signed-in person's own choice wins."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        session = getattr(request, "session", None)
        code = supported_language(session.get(SESSION_KEY)) if session is not None else None
        if code:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
