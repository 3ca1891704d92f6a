from django.conf import settings
from django.utils.functional import SimpleLazyObject


def registry(request):
    context = {"SITE_NAME": "JCM Registry", "SITE_URL": settings.SITE_URL}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Counted only when a template shows it (the header's inbox link), once per response.
        from notifications.selectors import unread_count

        context["unread_notifications"] = SimpleLazyObject(lambda: unread_count(user))
    return context
