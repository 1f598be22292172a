"""The orders app's Celery tasks (thin: one service call each)."""

from __future__ import annotations

from celery import shared_task

from .services import release_expired_stock_reservations

RELEASE_RESERVATIONS_TASK = "orders.release_expired_stock_reservations"
RELEASE_RESERVATIONS_TASK_NAME = "Release expired stock reservations"


@shared_task(name=RELEASE_RESERVATIONS_TASK, acks_late=True, ignore_result=True)
def release_expired_stock_reservations_task() -> int:
    return release_expired_stock_reservations()
