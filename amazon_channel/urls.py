from django.urls import path

from . import views

app_name = "amazon_channel"
urlpatterns = [
    # --- Stores, import and Amazon orders (import session) ---
    path("", views.store_list, name="store_list"),
    path("stores/add/", views.store_add, name="store_add"),
    path("stores/<int:pk>/", views.store_edit, name="store_edit"),
    path("stores/<int:pk>/sync/", views.store_sync, name="store_sync"),
    path("stores/<int:pk>/recover/", views.store_recover_order, name="store_recover_order"),
    path("stores/<int:pk>/log/", views.communication_log, name="communication_log"),
    path("stores/<int:store_pk>/orders/", views.order_grid, name="store_order_grid"),
    path("orders/", views.order_grid, name="order_grid"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/address/", views.order_address, name="order_address"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
]

# --- push to Amazon (outbox pages) -------------------------------------------------------------------------------
from .urls_push import urlpatterns as push_urlpatterns  # noqa: E402

urlpatterns += push_urlpatterns
