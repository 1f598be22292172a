"""Helpers shared by the push page tests."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from amazon_channel.models import OutboundUpdate


def grant_retry(user):
    user.user_permissions.add(Permission.objects.get(codename="retry_outboundupdate"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def failed(update: OutboundUpdate, message: str = "Amazon rejected it: InvalidInput: bad tracking") -> OutboundUpdate:
    OutboundUpdate.objects.filter(pk=update.pk).update(state=OutboundUpdate.State.FAILED, last_response=message)
    update.refresh_from_db()
    return update
