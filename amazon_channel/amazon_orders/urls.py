"""URLs of the Amazon order pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("stores/<int:store_pk>/orders/", views.order_grid, name="store_order_grid"),
    path("orders/", views.order_grid, name="order_grid"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/address/", views.order_address, name="order_address"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/buyer-cancel/accept/", views.order_buyer_cancel_accept, name="order_buyer_cancel_accept"),
    path("orders/<int:pk>/buyer-cancel/decline/", views.order_buyer_cancel_decline, name="order_buyer_cancel_decline"),
    path("orders/<int:pk>/pickup/", views.order_pickup_status, name="order_pickup_status"),
    path("orders/<int:pk>/import/", views.order_import_now, name="order_import_now"),
]
