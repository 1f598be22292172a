"""Celery beat's scheduler: django-celery-beat's, except that one unreadable schedule row (an interval too large for
Python's timedelta, a broken crontab) is logged and skipped instead of stopping beat for every store."""

from __future__ import annotations

import logging

from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


class SafeDatabaseScheduler(DatabaseScheduler):
    def all_as_schedule(self) -> dict:
        schedule = {}
        for model in self.enabled_models():
            try:
                schedule[model.name] = self.Entry(model, app=self.app)
            except Exception:  # any row the entry can't be built from: skip it, keep the others
                logger.exception("Beat skips the periodic task %r: its schedule can't be read.", model.name)
        return schedule
