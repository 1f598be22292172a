"""Subscriptions to the orders app's events (filled in by the push-to-Amazon work)."""
