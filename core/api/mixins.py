"""Shared API pieces: views validate input with a serializer and hand it to one service."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadPublicWriteAuthenticated(BasePermission):
    """Anyone may read (the selectors decide what); writes need a logged-in user or a token.

    Whether *this* user may make *this* change is decided by the service, not here.
    """

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated)
