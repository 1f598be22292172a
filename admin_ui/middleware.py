"""Every page of the admin requires a signed-in staff user, and no cache keeps what a signed-in user saw."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


class StaffRequiredMiddleware:
    # Paths with their own access rules: Django's admin checks staff itself, i18n only sets a cookie.
    exempt_prefixes = ("/django-admin/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "admin_ui_public", False) or getattr(view_func, "view_class", None) in _public_classes():
            return None
        path = request.path_info
        static_url = "/" + settings.STATIC_URL.lstrip("/")
        if path.startswith(static_url) or path.startswith(self.exempt_prefixes):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            # A customer account must not keep a session in the admin: sign it out and say why.
            logout(request)
            response = TemplateResponse(
                request,
                "403.html",
                {"reason": _("This account may not use the admin. Sign in with a staff account.")},
                status=403,
            )
            return response.render()
        return None


def _public_classes() -> tuple[type, ...]:
    from django.contrib.auth import views as auth_views

    return (auth_views.LoginView, auth_views.LogoutView)


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user is `Cache-Control: no-store, private`: order pages and exports carry buyers'
    names and addresses, which must not stay in a shared proxy or in the browser's cache after sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
