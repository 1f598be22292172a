from django.urls import path

from . import views

app_name = "amazon_channel"
urlpatterns = [
    path("", views.store_list, name="store_list"),
]
