from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/search/", views.order_search, name="order_search"),
    path("dashboard/amazon/<int:store_id>/", views.amazon_store, name="amazon_store"),
    path(
        "dashboard/amazon/<int:store_id>/sync-status/",
        views.amazon_store_sync_status,
        name="amazon_store_sync_status",
    ),
    path("dashboard/amazon/<int:store_id>/sync/", views.amazon_store_sync, name="amazon_store_sync"),
]
