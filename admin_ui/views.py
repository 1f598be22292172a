"""The language switch in the header (and on the sign-in page)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .languages import SESSION_KEY, LanguageRefused, set_admin_language, supported_language
from .permissions import public


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponseRedirect:
    """Speak `language` from now on: a signed-in person's choice is kept with their account; the cookie also keeps
    it for the sign-in page of this browser."""
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    wanted = request.POST.get("language", "")
    code = supported_language(wanted)
    user = request.user
    if user.is_authenticated and user.is_staff:
        try:
            code = set_admin_language(user=user, language=wanted, actor=user)
        except LanguageRefused as refusal:
            messages.error(request, str(refusal))
            return response
        request.session[SESSION_KEY] = code
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
