"""The hourly beat entry that releases expired stock reservations: created once at migrate, never overwritten (a
merchant may move it). Salable quantity leaves an expired reservation out at once; the job records its end."""

from __future__ import annotations

from typing import Any

from .tasks import RELEASE_RESERVATIONS_TASK, RELEASE_RESERVATIONS_TASK_NAME


def ensure_stock_reservation_schedule(**kwargs: Any) -> None:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    app_config = kwargs.get("app_config")
    if app_config is not None and app_config.label != "orders":
        return
    if PeriodicTask.objects.filter(name=RELEASE_RESERVATIONS_TASK_NAME).exists():
        return
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="7", hour="*", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(name=RELEASE_RESERVATIONS_TASK_NAME, task=RELEASE_RESERVATIONS_TASK, crontab=hourly)
