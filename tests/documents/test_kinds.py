"""The document kinds and batches are declared by the domain apps (``<app>/documents.py``): every kind the
database accepts is declared once, with the codes existing rows and numbers use; the documents app knows the
domain only through those declarations."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template

from core import events
from core.registries import document_batches, document_kinds
from documents.kinds import number_code, template_for
from documents.models import BatchKind, DocumentKind

# kind -> (code in the number, subject, events that make it): as documents were numbered before the move.
DECLARED = {
    "issuance_notification": ("IN", "credits.Issuance", (("credits.issuance.completed", "issuance_id"),)),
    "retirement_certificate": ("RC", "credits.CreditTransaction",
                               (("credits.retirement.completed", "transaction_id"),)),
    "cancellation_certificate": ("CC", "credits.CreditTransaction",
                                 (("credits.cancellation.completed", "transaction_id"),)),
    "account_statement": ("AS", "credits.Account", ()),
    "registration_letter": ("RL", "projects.Project", (("projects.project.registered", "project_id"),)),
    "project_form": ("PF", "projects.ProjectForm", (("projects.project_form.accepted", "form_id"),)),
    "decision_record": ("DR", "committee.Decision", (("committee.decision.recorded", "decision_id"),)),
    "methodology_approval": ("MA", "methodologies.MethodologyVersion",
                             (("methodologies.version.approved", "version_id"),)),
}


def test_every_kind_the_database_accepts_is_declared_with_its_codes():
    assert set(document_kinds) == set(DocumentKind.values) == set(DECLARED)
    assert {kind: (spec.code, spec.model, spec.events) for kind, spec in document_kinds.items()} == DECLARED
    assert number_code(DocumentKind.RETIREMENT_CERTIFICATE) == "RC"
    for spec in document_kinds.values():
        spec.model_class()  # the subject's model exists
        get_template(template_for(spec))  # and so does the kind's PDF template


def test_every_batch_the_database_accepts_is_declared():
    assert set(document_batches) == set(BatchKind.values)
    assert [kind for kind, spec in document_kinds.items() if spec.monthly is not None] == ["account_statement"]


def test_each_declared_event_makes_its_document():
    for kind, spec in document_kinds.items():
        for event, _field in spec.events:
            assert f"make_{kind}" in [handler.__name__ for handler in events.subscribers(event)], event


def test_the_documents_app_imports_no_domain_app_but_committee():
    root = Path(settings.BASE_DIR) / "documents"
    imported = set()
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add((path.name, node.module.split(".")[0]))
            elif isinstance(node, ast.Import):
                imported.update((path.name, alias.name.split(".")[0]) for alias in node.names)
    assert {(name, module) for name, module in imported if module in ("methodologies", "projects", "credits")} == set()
