"""Who did something, as the order notes and the comments history name them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _


def user_label(actor: AbstractBaseUser | None) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return _("the system")
    return actor.get_username()
