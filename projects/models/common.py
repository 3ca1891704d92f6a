"""What the models of this package share: identifier formats, the SHA-256 check, the day range of monitoring
periods, where uploaded files are stored."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import BigIntegerRangeField
from django.db import models
from django.db.models import Func, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PROJECT_ID_RE = r"^[A-Z]{2}[0-9]{3,}$"
SHA256_RE = r"^[0-9a-f]{64}$"
RESULT_DECIMAL = {"max_digits": 60, "decimal_places": 12}


def _sha256_check(field: str, *, optional: bool = True) -> Q:
    check = Q(**{f"{field}__regex": SHA256_RE})
    return (Q(**{field: ""}) | check) if optional else check


class ProjectDayRange(Func):
    """``int8range`` of a monitoring period, offset by its project: ``project * 10^7 + day number``.

    PostgreSQL's GiST indexes have no ``=`` operator for bigint without the btree_gist extension, which
    the embedded server does not have. Placing each project's days in its own stretch of one bigint line
    lets a plain ``&&`` exclusion constraint refuse overlapping periods of the same project only. Day
    numbers count from 2000-01-01 and stay far below 10^7 (27,000 years), so stretches never meet.
    """

    arity = 3
    output_field = BigIntegerRangeField()

    def as_sql(self, compiler, connection, **extra_context):
        project, start, end = (compiler.compile(e) for e in self.get_source_expressions())
        key = f"({project[0]})::bigint * 10000000"
        sql = (f"int8range({key} + (({start[0]})::date - DATE '2000-01-01'), "
               f"{key} + (({end[0]})::date - DATE '2000-01-01'), '[]')")
        return sql, (*project[1], *start[1], *project[1], *end[1])


def _page(name: str, args: list, fallback: str) -> str:
    """The browser page of an object, or ``fallback`` where the browser URLs are not mounted."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def _upload_to(folder: str):
    """Files live under ``projects/<project ID>/<folder>/<random>/``: their URLs cannot be guessed, and
    every download goes through a view that checks who may read them."""

    def path(instance, filename: str) -> str:
        project = instance.project_for_files()
        return f"projects/{project.project_id}/{folder}/{uuid.uuid4().hex[:16]}/{filename}"

    path.__qualname__ = path.__name__ = f"upload_{folder}"
    return path


# Named functions so that migrations can reference them.
upload_pdd = _upload_to("pdd")
upload_moc = _upload_to("moc")
upload_validation = _upload_to("validation")
upload_monitoring = _upload_to("monitoring")
upload_evidence = _upload_to("evidence")
upload_verification = _upload_to("verification")


class StoredFileMixin(models.Model):
    """A file kept with its SHA-256, size and type (checked and computed by the service on upload)."""

    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        abstract = True
