"""Lines another app adds to an invoice's or credit memo's header for an order, without orders knowing it (the
Amazon channel adds a business order's buyer company, purchase order number, buyer VAT numbers and invoicing
requirement). They print on the PDFs and show on the invoice and credit memo pages.

    from orders import document_lines
    document_lines.register(business_lines)   # (orders) -> {order id: [DocumentLine, ...]}

A provider gets a list of orders (a chunk of a mass print: up to 100) and answers for all of them at once, in one
or a constant number of queries, never one per order. Labels are translated when the provider is called, so in the
active language. A failing provider is not hidden: an invoice without the buyer's VAT number is a wrong invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .buyer_data import MASK

if TYPE_CHECKING:
    from .models import Order


@dataclass(frozen=True)
class DocumentLine:
    label: str
    value: str
    # The buyer's personal data (Amazon's Data Protection Policy): masked for people without *view buyer data*.
    buyer_data: bool = False

    def masked(self, *, visible: bool) -> DocumentLine:
        if visible or not self.buyer_data or not self.value:
            return self
        return replace(self, value=MASK)


Provider = Callable[[Sequence["Order"]], "dict[int, list[DocumentLine]]"]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider; registering the same one twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def lines_for(orders: Sequence[Order]) -> dict[int, list[DocumentLine]]:
    """Every registered provider's lines for these orders, by order id, in registration order (orders without
    lines are absent)."""
    lines: dict[int, list[DocumentLine]] = {}
    if not orders:
        return lines
    for provider in _providers:
        for order_id, added in provider(orders).items():
            if added:
                lines.setdefault(order_id, []).extend(added)
    return lines


def shown_lines(order: Order, *, visible: bool) -> list[DocumentLine]:
    """One order's lines as this person may see them (the invoice and credit memo pages)."""
    return [line.masked(visible=visible) for line in lines_for([order]).get(order.pk, [])]
