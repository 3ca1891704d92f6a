from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from committee.api.urls import register as register_committee_api
from credits.api.urls import register as register_credits_api
from jcm_registry import views
from jcm_registry.api_router import router
from methodologies.api.urls import register as register_methodologies_api
from notifications.api import register as register_notifications_api
from projects.api.urls import register as register_projects_api

register_committee_api(router)
register_methodologies_api(router)
register_projects_api(router)
register_credits_api(router)
register_notifications_api(router)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("core.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("committee/", include("committee.urls")),
    path("methodologies/", include("methodologies.urls")),
    path("projects/", include("projects.urls")),
    path("registry/", include("credits.urls")),
    path("documents/", include("documents.urls")),
    path("inbox/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/v1/auth/", include("rest_framework.urls", namespace="rest_framework")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# No route serves MEDIA_ROOT, in any settings mode (DEBUG included): statements, confidential PDDs and evidence
# are private, and each file is served only by its app's permission-checked view (docs/security.md).

handler403 = "core.auth.audit.denied_handler"  # the 403 page, and the refusal in the audit trail
