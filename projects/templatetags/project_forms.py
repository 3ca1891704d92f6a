"""``{% project_forms_section %}``: the project page's section of project forms (PIN, ARE, PIR, SD
contribution plan and report), without a change to the project page's view."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("projects/_project_forms.html", takes_context=True)
def project_forms_section(context: template.Context) -> dict[str, Any]:
    from ..views.project_forms import project_form_rows

    project = context["project"]
    return {"project": project, **project_form_rows(context["request"].user, project)}
