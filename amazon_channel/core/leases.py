"""One helper for every lease of the channel: a store's import, an update being sent, a feed being taken further.

A lease is a random token and an expiry written on the row by a compare-and-set UPDATE: only one worker's UPDATE
matches while the lease is held, and a worker that dies simply lets it run out. The UPDATE filters only on the row's
own columns, so on PostgreSQL a concurrent claimer re-checks them once the first commits and finds nothing to take.
Whoever holds the token may write the row (`save`) until someone else claims it after expiry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Lease:
    model: type[models.Model]
    token_field: str
    until_field: str
    # How long a claim lasts, read at claim time (settings may change it in tests).
    duration: Callable[[], timedelta]

    def free(self, now: datetime) -> Q:
        """Rows nobody holds: never claimed, released, or expired."""
        return Q(**{f"{self.until_field}__isnull": True}) | Q(**{f"{self.until_field}__lte": now})

    @staticmethod
    def new_token() -> str:
        return uuid.uuid4().hex

    def taken(self, token: str, *, now: datetime) -> dict[str, Any]:
        """The fields a claim writes, for callers that claim in an UPDATE of their own (with a state move)."""
        return {self.token_field: token, self.until_field: now + self.duration()}

    def released(self) -> dict[str, Any]:
        """The fields a release writes, for callers that save the row themselves."""
        return {self.token_field: "", self.until_field: None}

    def claim(self, pk: Any, *, now: datetime | None = None, where: Q | None = None, **also: Any) -> str | None:
        """Take the row if it is free (and matches `where`), writing `also` with the claim; the token, or None."""
        now = now or timezone.now()
        token = self.new_token()
        rows = self.model._default_manager.filter(where or Q(), self.free(now), pk=pk).update(
            **self.taken(token, now=now), **also
        )
        return token if rows == 1 else None

    def held(self, pk: Any, token: str) -> QuerySet:
        """The row, if this token still holds it."""
        return self.model._default_manager.filter(pk=pk, **{self.token_field: token})

    def save(self, pk: Any, token: str, **fields: Any) -> bool:
        """Write fields only while this token holds the row; False when someone else took it over."""
        return self.held(pk, token).update(**fields) == 1

    def renew(self, pk: Any, token: str, *, now: datetime | None = None) -> bool:
        return self.save(pk, token, **{self.until_field: (now or timezone.now()) + self.duration()})

    def release(self, pk: Any, token: str, **fields: Any) -> bool:
        return self.save(pk, token, **self.released(), **fields)
