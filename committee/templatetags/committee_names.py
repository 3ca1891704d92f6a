"""``{% org_name org on_date %}``: an organization's name in force on the date of the record shown, in the
page's language (the Japanese name where one is recorded)."""

from __future__ import annotations

import datetime

from django import template
from django.utils.translation import get_language

from committee.models import Organization

register = template.Library()


@register.simple_tag
def org_name(org: Organization, on_date: datetime.date | None = None) -> str:
    if (get_language() or "").startswith("ja"):
        name_ja = org.name_ja_on(on_date)
        if name_ja:
            return name_ja
    return org.name_on(on_date)
