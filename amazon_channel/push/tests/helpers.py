"""Helpers shared by the push page tests."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from amazon_channel.models import OutboundUpdate


def grant_retry(user):
    """The user may open Updates to Amazon and retry an update."""
    user.user_permissions.add(*Permission.objects.filter(codename__in=["retry_outboundupdate", "view_outboundupdate"]))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def failed(update: OutboundUpdate, message: str = "Amazon rejected it: InvalidInput: bad tracking") -> OutboundUpdate:
    OutboundUpdate.objects.filter(pk=update.pk).update(state=OutboundUpdate.State.FAILED, last_response=message)
    update.refresh_from_db()
    return update
