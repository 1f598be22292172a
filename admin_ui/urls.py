from django.urls import path

from . import views

app_name = "admin_ui"

urlpatterns = [path("language/", views.set_language, name="set_language")]
