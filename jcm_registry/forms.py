"""Browser forms call services; a refused action lands on the form as field errors."""

from jcm_registry.exceptions import ApplicationError


def add_service_error(form, error: ApplicationError) -> None:
    """Put an ApplicationError on a Django form: field messages where the field exists, else non-field."""
    placed = False
    for field, messages in error.errors.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
    if not placed:
        form.add_error(None, error.message)
