"""Project resources on the shared API router."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    from . import views

    for prefix, viewset, basename in views.ROUTES:
        router.register(prefix, viewset, basename=basename)

    from .project_forms import ProjectFormViewSet

    router.register("project-forms", ProjectFormViewSet, basename="project-form")
