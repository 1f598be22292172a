"""URLs of the store pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.store_list, name="store_list"),
    path("stores/add/", views.store_add, name="store_add"),
    path("stores/<int:pk>/", views.store_edit, name="store_edit"),
    path("stores/<int:pk>/sync/", views.store_sync, name="store_sync"),
    path("stores/<int:pk>/recover/", views.store_recover_order, name="store_recover_order"),
    path("stores/<int:pk>/log/", views.communication_log, name="communication_log"),
]
