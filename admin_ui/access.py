"""Sign-in throttling hooks for django-axes (settings: AXES_CLIENT_IP_CALLABLE, AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def client_ip(request: HttpRequest) -> str:
    """The address failures are counted for: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost of them saw (X-Forwarded-For entries left of that are the client's to invent)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials=None) -> HttpResponse:
    """The sign-in page with the lock-out message (HTTP 429); nothing else is said about the account."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)) if settings.AXES_COOLOFF_TIME else None
    response = TemplateResponse(
        request,
        "registration/locked_out.html",
        {
            "lockout_minutes": minutes,
            # The sign-in form again, with the name typed (never the password).
            "form": AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")}),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    return response.render()
