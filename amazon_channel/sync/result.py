"""What an import run reports, and why it stops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _


class ImportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LeaseLost(Exception):
    """Another worker took over the store's import (ours had expired): stop without committing the page."""


@dataclass
class ImportResult:
    store_id: int
    busy: bool = False
    pages: int = 0
    orders_seen: int = 0
    amazon_orders_created: int = 0
    amazon_orders_updated: int = 0
    commerce_orders_created: int = 0
    commerce_orders_canceled: int = 0
    commerce_orders_refunded: int = 0
    commerce_orders_shipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # Amazon order number -> why
    error: str = ""
    cursor: datetime | None = None
    # A turn (sync.fair) that stopped with pages left: the next turn resumes on the saved page token, at the earliest
    # `resume_in` seconds from now (when the searchOrders quota gives the next page).
    more: bool = False
    resume_in: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.busy and not self.error

    def summary(self) -> str:
        if self.busy:
            return _("Another sync of this store is running; this one was skipped.")
        text = _(
            "%(seen)d orders read in %(pages)d pages: %(new)d new, %(created)d Commerce orders created, "
            "%(canceled)d canceled, %(refunded)d refunded, %(shipped)d shipped, %(failed)d not imported."
        ) % {
            "seen": self.orders_seen,
            "pages": self.pages,
            "new": self.amazon_orders_created,
            "created": self.commerce_orders_created,
            "canceled": self.commerce_orders_canceled,
            "refunded": self.commerce_orders_refunded,
            "shipped": self.commerce_orders_shipped,
            "failed": len(self.failed),
        }
        if self.error:
            text = _("Stopped: %(error)s") % {"error": self.error} + " " + text
        elif self.more:
            text += " " + _("More orders to read: the next turn continues from here.")
        return text


ProgressCallback = Callable[[ImportResult], None]
