"""The daily retention task (thin: one service call)."""

from __future__ import annotations

from celery import shared_task

from .services import remove_buyer_data

RETENTION_TASK = "amazon_channel.retention.remove_buyer_data"
RETENTION_TASK_NAME = "Amazon: remove buyer data past retention"


@shared_task(name=RETENTION_TASK, acks_late=True, ignore_result=True)
def remove_buyer_data_task() -> str:
    return remove_buyer_data().summary()
