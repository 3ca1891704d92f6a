"""Registry (credits) resources on the shared API router."""


def register(router) -> None:
    from . import views

    for prefix, viewset, basename in views.ROUTES:
        router.register(prefix, viewset, basename=basename)
