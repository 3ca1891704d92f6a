"""Uploaded files: type and size limits, a check of the content against the extension, and SHA-256.

Services call :func:`checked_upload` before they store a file; the digest is kept beside the file so
that anyone holding a copy can check it is the one the registry received.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings

from core.errors import ApplicationError

# extension -> (content type, leading bytes the content must start with, or None for text)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "csv": ("text/csv", None),
    "txt": ("text/plain", None),
}

PDD_TYPES = ("pdf", "docx")
REPORT_TYPES = ("pdf",)
MOC_TYPES = ("pdf",)
EVIDENCE_TYPES = ("pdf", "xlsx", "csv", "txt", "png", "jpg", "jpeg", "zip")
SPREADSHEET_TYPES = ("xlsx",)


def max_bytes() -> int:
    return int(getattr(settings, "JCM_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def _read_all(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        data = b"".join(upload.chunks())
    else:
        data = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data


def checked_upload(upload, *, allowed: tuple[str, ...], field: str, limit: int | None = None) -> CheckedFile:
    """Refuse a file of another type, too large, empty or whose content does not match its extension."""
    if upload is None:
        raise ApplicationError("Choose a file to upload.", field=field)
    name = os.path.basename(getattr(upload, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed or extension not in FILE_TYPES:
        raise ApplicationError(f"{name or 'This file'}: only {', '.join(sorted(allowed))} files are accepted here.",
                               field=field)
    limit = limit or max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ApplicationError(f"{name} is larger than the limit of {limit // (1024 * 1024)} MB.", field=field)
    data = _read_all(upload)
    if not data:
        raise ApplicationError(f"{name} is empty.", field=field)
    if len(data) > limit:
        raise ApplicationError(f"{name} is larger than the limit of {limit // (1024 * 1024)} MB.", field=field)
    content_type, signatures = FILE_TYPES[extension]
    if signatures is None:
        _check_text(data, name, field)
    elif not data.startswith(signatures):
        raise ApplicationError(f"{name} is not a valid .{extension} file.", field=field)
    elif extension in ("xlsx", "docx") and not _is_office_zip(data):
        raise ApplicationError(f"{name} is not a valid .{extension} file.", field=field)
    return CheckedFile(upload=upload, name=name, extension=extension, content_type=content_type, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest())


def _check_text(data: bytes, name: str, field: str) -> None:
    if b"\x00" in data:
        raise ApplicationError(f"{name} is not a text file.", field=field)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError(f"{name} is not UTF-8 text.", field=field) from None


def _is_office_zip(data: bytes) -> bool:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def file_bytes(upload) -> bytes:
    return _read_all(upload)
