from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import SimpleRouter

from seizures.api import SeizureViewSet

router = SimpleRouter()
router.register("seizures", SeizureViewSet, basename="api-seizure")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    *router.urls,
]
