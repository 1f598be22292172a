"""URLs of the push pages (included by amazon_channel/urls.py)."""

from django.urls import path

from . import views_push

urlpatterns = [
    path("updates/", views_push.outbox_list, name="push_outbox"),
    path("updates/retry/", views_push.retry_updates, name="push_retry_many"),
    path("updates/<int:pk>/retry/", views_push.retry_update, name="push_retry"),
]
