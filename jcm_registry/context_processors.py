from django.conf import settings


def registry(request):
    return {"SITE_NAME": "JCM Registry", "SITE_URL": settings.SITE_URL}
