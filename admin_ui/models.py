"""What one person chose for the admin, kept with their account so every browser they sign in from follows it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_preference", verbose_name=_("user")
    )
    # A code of settings.LANGUAGES (checked by the service); blank = the browser's language.
    language = models.CharField(_("Interface Locale"), max_length=15, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("admin preference")
        verbose_name_plural = _("admin preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '-'}"
