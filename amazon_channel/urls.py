from django.urls import path

from . import views

app_name = "amazon_channel"
urlpatterns = [
    path("", views.store_list, name="store_list"),
]

# --- push to Amazon (outbox pages) -------------------------------------------------------------------------------
from .urls_push import urlpatterns as push_urlpatterns  # noqa: E402

urlpatterns += push_urlpatterns
