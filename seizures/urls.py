from django.urls import path

from . import views

app_name = "seizures"
urlpatterns = [
    path("", views.seizure_list, name="list"),
]
