from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("seizures/", views.seizure_list, name="seizures"),
]
