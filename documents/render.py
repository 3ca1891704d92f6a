"""Render a document: a Django template to PDF (WeasyPrint), with a QR code (segno) to its verification page.

Fonts are the system's (installed by the Dockerfile and ``.ci/run``): DejaVu Sans for Latin and
Cyrillic (Mongolian names), Noto Sans CJK JP for Japanese; Pango picks the font per character.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

QR_COLOUR = "#073f33"  # the site's --brand-dark


def verification_url(number: str, version: int) -> str:
    """The absolute URL the document's QR code points to: its public verification page."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('documents:verify-number', args=[number])}?version={version}"


def upload_url() -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('documents:verify')}"


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an inline PNG data URI, one pixel per module: the template scales it
    up without smoothing (``image-rendering: pixelated``), so it prints sharp; cheaper to render than SVG."""
    return segno.make(url, error="m").png_data_uri(scale=1, border=0, dark=QR_COLOUR)


def html_to_pdf(html: str) -> bytes:
    # Imported here: web processes that never render need not load Pango.
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` (extending documents/pdf/base.html) to PDF bytes.

    ``context`` must hold ``number``, ``version`` and the document content; the verification
    URL and its QR code are added here.
    """
    url = verification_url(context["number"], context["version"])
    html = render_to_string(template_name, {**context, "verification_url": url, "upload_url": upload_url(),
                                            "qr": qr_data_uri(url)})
    return html_to_pdf(html)
