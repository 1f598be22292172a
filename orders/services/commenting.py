"""add_comment and send_order_email."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from .. import rules
from ..models import Order, OrderComment, OrderStatus
from ._common import OrderActionRefused, actor_or_none, lock_order
from .notifying import notify_customer_after_commit, send_now


def add_comment(
    *,
    order: Order | int,
    actor: AbstractBaseUser | None,
    comment: str,
    status: str | None = None,
    notify_customer: bool = False,
    visible_on_storefront: bool = False,
    expected_version: int | None = None,
) -> OrderComment:
    comment = (comment or "").strip()
    if not comment:
        raise OrderActionRefused(_("Enter a comment."), {"comment": [_("This field is required.")]})
    with transaction.atomic():
        order, _items = lock_order(order, expected_version=expected_version)
        if status and status != order.status:
            allowed = set(OrderStatus.objects.filter(state=order.state).values_list("code", flat=True))
            allowed.add(rules.DEFAULT_STATUS[order.state])
            if status not in allowed:
                raise OrderActionRefused(
                    _("That status doesn't belong to the order's state."),
                    {"status": [_("Choose a status for the order's current state.")]},
                )
            order.status = status
            order.version += 1
            order.save(update_fields=["status", "version", "updated_at"])
        if notify_customer and not order.customer_email:
            raise OrderActionRefused(
                _("The customer has no email address."), {"notify_customer": [_("There is nobody to notify.")]}
            )
        note = OrderComment.objects.create(
            order=order,
            comment=comment,
            status=order.status,
            is_customer_notified=notify_customer,
            is_visible_on_front=visible_on_storefront,
            created_by=actor_or_none(actor),
        )
        if notify_customer:
            notify_customer_after_commit(order, "update", comment=comment)
        return note


def send_order_email(*, order: Order | int, actor: AbstractBaseUser | None) -> OrderComment:
    """Send the order email now; the comments history records it only if the mail server took it."""
    with transaction.atomic():
        order, _items = lock_order(order)
        if not (order.customer_email or "").strip():
            raise OrderActionRefused(_("The order has no customer email address to send to."))
        if rules.email_is_withheld(order.customer_email):
            raise OrderActionRefused(
                _(
                    "No email was sent: the sales channel withheld the buyer's email address (the order has only the "
                    "placeholder %(email)s)."
                )
                % {"email": order.customer_email}
            )
        try:
            send_now(order, "order")
        except Exception as exc:
            raise OrderActionRefused(_("The email could not be sent: %(error)s") % {"error": exc}) from exc
        return OrderComment.objects.create(
            order=order,
            comment=_("The order email was sent to %(email)s.") % {"email": order.customer_email},
            status=order.status,
            is_customer_notified=True,
            created_by=actor_or_none(actor),
        )
