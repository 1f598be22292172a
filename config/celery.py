"""The Celery app. Broker: Redis when REDIS_URL is set, else kombu's filesystem transport under var/."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("amazon_channel_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, and the Amazon channel's feature packages that have tasks of their own.
app.autodiscover_tasks()
app.autodiscover_tasks(["amazon_channel.sync", "amazon_channel.push", "amazon_channel.retention"])
