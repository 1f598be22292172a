"""Amazon's reason codes in the merchant's words. The codes themselves are the feed builder's (spapi.feeds)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..spapi import feeds

CANCEL_REASON_LABELS = {
    "NoInventory": _("No inventory"),
    "ShippingAddressUndeliverable": _("Shipping address undeliverable"),
    "CustomerExchange": _("Customer exchange"),
    "BuyerCanceled": _("Buyer canceled"),
    "GeneralAdjustment": _("General adjustment"),
    "CarrierCreditDecision": _("Carrier credit decision"),
    "RiskAssessmentInformationNotValid": _("Risk assessment information not valid"),
    "CarrierCoverageFailure": _("Carrier coverage failure"),
    "CustomerReturn": _("Customer return"),
    "MerchandiseNotReceived": _("Merchandise not received"),
}
ADJUSTMENT_REASON_LABELS = {
    "CustomerReturn": _("Customer Return"),
    "NoInventory": _("No Inventory"),
    "GeneralAdjustment": _("General Adjustment"),
    "CouldNotShip": _("Could Not Ship"),
    "DifferentItem": _("Different Item"),
    "Abandoned": _("Abandoned"),
    "CustomerCancel": _("Customer Cancel"),
    "PriceError": _("Price Error"),
    "ProductOutofStock": _("Product Out of Stock"),
    "CustomerAddressIncorrect": _("Customer Address Incorrect"),
    "Exchange": _("Exchange"),
    "Other": _("Other"),
    "CarrierCreditDecision": _("Carrier Credit Decision"),
    "RiskAssessmentInformationNotValid": _("Risk Assessment Information Not Valid"),
    "CarrierCoverageFailure": _("Carrier Coverage Failure"),
    "TransactionRecord": _("Transaction Record"),
    "Undeliverable": _("Undeliverable"),
    "RefusedDelivery": _("Refused Delivery"),
}
# Every code the feed builder accepts has its label, in the feed builder's order.
CANCEL_REASON_CHOICES = [(code, CANCEL_REASON_LABELS[code]) for code in feeds.CANCEL_REASONS]
ADJUSTMENT_REASON_CHOICES = [(code, ADJUSTMENT_REASON_LABELS[code]) for code in feeds.ADJUSTMENT_REASONS]

# A Commerce cancel of an Amazon order: the merchant can't ship it.
DEFAULT_CANCEL_REASON = "NoInventory"
DEFAULT_ADJUSTMENT_REASON = "CustomerReturn"


def cancel_reason_label(code: str) -> str:
    return str(CANCEL_REASON_LABELS.get(code, code))


def adjustment_reason_label(code: str) -> str:
    return str(ADJUSTMENT_REASON_LABELS.get(code, code))
