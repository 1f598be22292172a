"""What Amazon's answers mean for an update, and what a delivery reports."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from orders.services import add_comment

from ..models import AmazonStore, OutboundUpdate
from ..spapi import errors


@dataclass
class DeliveryResult:
    update_id: int
    state: str
    message: str = ""


class WorkerStopped(BaseException):
    """Raised only by tests to stand for a worker killed mid-delivery (nothing after it runs)."""


def is_rejection(exc: BaseException) -> bool:
    """Amazon said no to this request (fix it, then retry by hand); anything else is worth trying again later."""
    return isinstance(exc, errors.InvalidRequestError | errors.NotFoundError)


def is_spapi_error(exc: BaseException) -> bool:
    return isinstance(exc, errors.SpApiError)


def describe_error(exc: BaseException) -> str:
    message = getattr(exc, "message", "") or str(exc)
    code = getattr(exc, "code", "")
    return f"{code}: {message}" if code and code not in message else message


def read_only_message(store: AmazonStore) -> str:
    return _("Read-Only Mode is on for %(store)s: this update waits until it is turned off.") % {"store": store.name}


def comment_on_order(*, update: OutboundUpdate, text: str) -> None:
    """Record an accepted update in the Commerce order's comments history."""
    order_id = update.amazon_order.commerce_order_id
    if not order_id:
        return
    add_comment(order=order_id, actor=update.created_by, comment=text)
