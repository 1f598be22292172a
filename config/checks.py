"""System checks on the settings: `manage.py check` (and migrate, runserver) refuse an unsafe configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security)
def check_amazon_endpoints(app_configs=None, **kwargs) -> list[Error]:
    """A client secret and refresh token are posted to these URLs: plain http only to this machine (the sandbox)."""
    from amazon_channel.spapi.config import is_safe_endpoint

    endpoints = {f"SPAPI_ENDPOINTS[{region!r}]": url for region, url in settings.SPAPI_ENDPOINTS.items()}
    endpoints["LWA_ENDPOINT"] = settings.LWA_ENDPOINT
    return [
        Error(
            f"{name} is {url!r}: Amazon credentials would cross the network unencrypted.",
            hint="Use https:// (Amazon's own hosts are the default); plain http:// only for a sandbox on loopback.",
            id="config.E001",
        )
        for name, url in endpoints.items()
        if not is_safe_endpoint(url)
    ]


@register()
def check_catalogues_built(app_configs=None, **kwargs) -> list[Warning]:
    """The .mo files are built from the .po files (not committed): without them the admin speaks only English."""
    from .catalogues import LOCALES, po_path

    stale = []
    for locale in LOCALES:
        po = po_path(locale)
        mo = po.with_suffix(".mo")
        if po.exists() and (not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns):
            stale.append(locale)
    return [
        Warning(
            f"The {locale} translations are not built (or older than locale/{locale}/LC_MESSAGES/django.po).",
            hint="Run `python3 dev.py messages` (dev.py demo and test do it too).",
            id="config.W002",
        )
        for locale in stale
    ]
