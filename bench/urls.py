"""The registry's URLs plus one do-nothing API endpoint: the baseline of ``transfer_api``.

The endpoint is a DRF view with the API's default authentication (token or session) and a login
required, so that a request to it crosses the same middleware, URL resolution, authentication and
rendering as a real API request, and nothing else. It comes last, after every registry URL.
"""

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jcm_registry.urls import urlpatterns as registry_urlpatterns


class Nothing(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({}, status=201)


urlpatterns = [*registry_urlpatterns, path("api/v1/bench-nothing/", Nothing.as_view(), name="bench-nothing")]
