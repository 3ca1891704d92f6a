"""The one API router: every app registers its viewsets here, so /api/v1/ lists all resources."""

from rest_framework.routers import DefaultRouter


class RegistryRouter(DefaultRouter):
    include_format_suffixes = False


router = RegistryRouter()
router.APIRootView.__doc__ = (
    "JCM Registry API, version 1. Public data is readable without authentication; use a token "
    "(`Authorization: Token <key>`) or a browser session to write. Schema: /api/schema/, docs: /api/docs/."
)
