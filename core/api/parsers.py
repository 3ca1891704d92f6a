"""Request body parsers of the API: DRF's, refusing with a 400 what DRF's would let through to a 500.

- JSON nested deeper than Python's recursion limit: DRF's JSONParser catches ``ValueError`` only, and the
  ``RecursionError`` of ``json.loads`` became a 500.
- NUL characters anywhere in a body (JSON strings and keys, form fields, file names): PostgreSQL text cannot
  hold them, and any lookup with one (a related field's slug, a filter) failed in the database with a 500.
  DRF's CharField refuses them, its related fields do not. Refused here with the field named.

``DecimalJSONParser`` also reads JSON numbers with a fraction as ``Decimal`` (monitored values, percentages
and coordinates stay exact, never through binary floating point); ``NaN`` and ``Infinity`` are refused.
Every API view uses these (settings ``DEFAULT_PARSER_CLASSES``, and the apps' ``PARSERS``).
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.utils.datastructures import MultiValueDict
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError, ValidationError

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict  # the stubs' name for a parsed, read-only QueryDict

NUL = "\x00"
NUL_MESSAGE = "Null characters are not allowed."


def nul_paths(data: Any) -> list[str]:
    """Where ``data`` (parsed JSON or a QueryDict) holds a string with a NUL character: ``field``,
    ``field.0.sub``, ... (iterative, so that a document nested up to the parser's limit is fine)."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                found.append(path or "non_field_errors")
        elif isinstance(value, dict) or hasattr(value, "lists"):
            items = value.lists() if hasattr(value, "lists") else value.items()
            for key, item in items:
                key = str(key)
                name = f"{path}.{key}" if path else key
                if NUL in key:
                    found.append(name.replace(NUL, "\\0"))
                    continue
                stack.append((name, item))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                stack.append((f"{path}.{index}" if path else str(index), item))
    return sorted(found)


def refuse_nul(data: Any, *, files: MultiValueDict[str, Any] | None = None) -> None:
    paths = nul_paths(data)
    for field, uploads in (files.lists() if files is not None else ()):
        if NUL in field or any(NUL in (upload.name or "") for upload in uploads):
            paths.append(field.replace(NUL, "\\0"))
    if paths:
        raise ValidationError({path: [NUL_MESSAGE] for path in paths})


class BodyTooLarge(APIException):
    status_code = 413
    default_code = "too_large"


def max_body_bytes() -> int:
    return int(getattr(settings, "JCM_API_MAX_BODY_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440))


def bounded(stream: IO[Any] | None) -> io.BytesIO:
    """The body, read up to the limit (settings ``JCM_API_MAX_BODY_BYTES``) and refused with a 413 beyond it,
    before anything parses it. DRF reads a JSON body from the request stream, past Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; this is its limit."""
    limit = max_body_bytes()
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise BodyTooLarge(f"The request body is larger than {limit:,} bytes.")
    return io.BytesIO(data)


class JSONParser(parsers.JSONParser):
    # A JSON document is any JSON value (the stubs say a dict: an object is only the usual case).
    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(bounded(stream), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
        refuse_nul(data)
        return data


class DecimalJSONParser(JSONParser):
    """JSON whose numbers with a fraction are read as exact decimals, never as binary floats."""

    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.load(codecs.getreader(encoding)(bounded(stream)), parse_float=Decimal,
                             parse_constant=self._refuse_constant)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
        except ValueError as exc:  # also UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from exc
        refuse_nul(data)
        return data

    @staticmethod
    def _refuse_constant(name: str) -> NoReturn:
        raise ValueError(f"{name} is not a number")


class FormParser(parsers.FormParser):
    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> _ImmutableQueryDict:
        data = super().parse(stream, media_type, parser_context)
        refuse_nul(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None
              ) -> parsers.DataAndFiles[_ImmutableQueryDict, MultiValueDict[str, Any]]:
        result = super().parse(stream, media_type, parser_context)
        refuse_nul(result.data, files=result.files)
        return result


PARSERS = [JSONParser, FormParser, MultiPartParser]
DECIMAL_PARSERS = [DecimalJSONParser, FormParser, MultiPartParser]
