"""URLs of the *Updates to Amazon* pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("updates/", views.outbox_list, name="push_outbox"),
    path("updates/retry/", views.retry_updates, name="push_retry_many"),
    path("updates/<int:pk>/retry/", views.retry_update, name="push_retry"),
]
