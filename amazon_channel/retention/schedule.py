"""The daily beat entry of the retention task: created once, never overwritten (a merchant may move it)."""

from __future__ import annotations

from typing import Any

from .tasks import RETENTION_TASK, RETENTION_TASK_NAME


def ensure_retention_schedule(**kwargs: Any) -> None:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    app_config = kwargs.get("app_config")
    if app_config is not None and app_config.label != "amazon_channel":
        return
    if PeriodicTask.objects.filter(name=RETENTION_TASK_NAME).exists():
        return
    # Daily at 03:17 (server time zone): a quiet hour, off the full hour other jobs like.
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(name=RETENTION_TASK_NAME, task=RETENTION_TASK, crontab=daily)
