"""Notices shown at the top of every admin page, contributed by apps that admin_ui must not import.

An app registers a provider in its AppConfig.ready(): `notices.register(provider)`, where
`provider(request) -> str` returns safe HTML (or "" when there is nothing to say). Keep a provider to one cheap query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

Provider = Callable[[HttpRequest], str]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def render_notices(request: HttpRequest) -> list[SafeString]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return []
    return [SafeString(html) for provider in _providers if (html := provider(request))]
