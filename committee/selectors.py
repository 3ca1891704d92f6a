"""Reads of the committee app, scoped to the user: public rows for everyone, drafts for insiders."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from committee.roles import ALL, insider_committee_ids

from .access import Viewer
from .choices import PublicationStatus, RuleStatus, TPEFunction, TPEStatus
from .models import (
    CommitteeMember,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    TPEScopeValidity,
)


def _scoped(qs: QuerySet, user: Viewer, public: Q) -> QuerySet:
    ids = insider_committee_ids(user)
    if ids == ALL:
        return qs
    if ids:
        return qs.filter(public | Q(joint_committee_id__in=ids))
    return qs.filter(public)


def country_list(user: Viewer = None) -> QuerySet[Country]:
    return Country.objects.all().prefetch_related("bilateral_documents").select_related("joint_committee")


def joint_committee_list(user: Viewer = None) -> QuerySet[JointCommittee]:
    return JointCommittee.objects.select_related("partner")


def member_list(user: Viewer = None) -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.select_related("joint_committee__partner", "organization")


def meeting_list(user: Viewer) -> QuerySet[Meeting]:
    return _scoped(
        Meeting.objects.select_related("joint_committee__partner").prefetch_related("attendees__name_history"),
        user, Q(status=PublicationStatus.PUBLISHED),
    )


def decision_list(user: Viewer) -> QuerySet[Decision]:
    return _scoped(
        Decision.objects.select_related("joint_committee__partner", "meeting", "subject_type"),
        user, Q(status=PublicationStatus.PUBLISHED),
    )


def rule_document_list(user: Viewer) -> QuerySet[RuleDocument]:
    return _scoped(
        RuleDocument.objects.select_related("joint_committee__partner", "supersedes", "adopted_by"),
        user, ~Q(status=RuleStatus.DRAFT),
    )


def tpe_list(user: Viewer = None) -> QuerySet[ThirdPartyEntity]:
    return ThirdPartyEntity.objects.select_related("joint_committee__partner", "organization").prefetch_related(
        "scopes_validation", "scopes_verification", "scope_validity__scope"
    )


def tpes_that_may_serve(joint_committee: JointCommittee | int, scope: SectoralScope | int, on_date: datetime.date,
                        purpose: str = TPEFunction.VALIDATION) -> QuerySet[ThirdPartyEntity]:
    """The TPEs of ``joint_committee`` that may validate (or verify) in ``scope`` on ``on_date``: the same rule
    as committee.access.tpe_serve_refusal, as a query (for the choices a page offers)."""
    jc_id = getattr(joint_committee, "pk", joint_committee)
    scope_id = getattr(scope, "pk", scope)
    held = "scopes_validation" if purpose == TPEFunction.VALIDATION else "scopes_verification"
    ended = TPEScopeValidity.objects.filter(tpe=OuterRef("pk"), scope_id=scope_id, purpose=purpose,
                                            valid_until__lt=on_date)
    return (ThirdPartyEntity.objects.select_related("organization")
            .filter(joint_committee_id=jc_id, status=TPEStatus.DESIGNATED, designated_on__lte=on_date,
                    **{held: scope_id})
            .exclude(Exists(ended)).order_by("tpe_id"))


def organization_list(user: Viewer = None) -> QuerySet[Organization]:
    return Organization.objects.select_related("country").prefetch_related("name_history")


def scope_list(user: Viewer = None) -> QuerySet[SectoralScope]:
    return SectoralScope.objects.all()
