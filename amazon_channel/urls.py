"""The channel's pages, one URL namespace: stores, Amazon orders, updates to Amazon."""

from django.urls import include, path

app_name = "amazon_channel"
urlpatterns = [
    path("", include("amazon_channel.stores.urls")),
    path("", include("amazon_channel.amazon_orders.urls")),
    path("", include("amazon_channel.push.urls")),
]
