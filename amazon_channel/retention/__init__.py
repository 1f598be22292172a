"""Buyer data retention (Amazon's Data Protection Policy): the buyer's personal data of Amazon orders that shipped or
were canceled more than AMAZON_BUYER_DATA_RETENTION_DAYS ago is removed, daily (beat) or by
`manage.py remove_buyer_data`. See docs/DATA_PROTECTION.md."""

from .selectors import due_amazon_orders, retention_cutoff, retention_days
from .services import RemovalResult, remove_buyer_data

__all__ = ["RemovalResult", "due_amazon_orders", "remove_buyer_data", "retention_cutoff", "retention_days"]
