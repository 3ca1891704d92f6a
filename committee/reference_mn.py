"""Reference data of the Japan–Mongolia register: public facts only, each with its source.

Loaded by ``manage.py load_reference_data`` and by ``manage.py seed_demo`` (both idempotent: each step first
looks for what it would create, so a second run changes nothing and writes no audit event). Every write goes
through the committee services, as the given actor (a system administrator).

Only what a source states (see /work/shared/jcm-domain.md, "Japan–Mongolia register"); a fact no source gives
stays blank. Nothing here is demo data: the demo's fictitious entities are in committee.demo.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from committee import services
from committee.choices import DecisionKind, DecisionMode, OrganizationKind, RuleKind, TPEStatus
from committee.models import (
    Country,
    Decision,
    JointCommittee,
    Organization,
    OrganizationName,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    User,
)

D = datetime.date

SRC_TPES = "http://www.jcm-mongolia.com/?page_id=12455&lang=en"
SRC_CHARTS = ("https://pdfslide.us/documents/jcm-in-charts-for-mongolia-iges-environment-and-climate-fund-"
              "ministry-of-environment.html (JCM in CHARTS for Mongolia, IGES, ver 3.0, Dec 2018)")
SRC_2024 = "http://www.jcm-mongolia.com/?p=16849&lang=en"
SRC_SEED = ("https://livedrifting23.blogspot.com/2013/04/meti-ministry-of-economy-trade-and.html "
            "(METI press release of 11 April 2013)")
SRC_ED_2016 = "http://www.jcm-mongolia.com/?p=14947&lang=en"
SRC_RULES = "http://www.jcm-mongolia.com/?page_id=12453&lang=en"
SRC_ROP = "http://www.jcm-mongolia.com/?page_id=11698"
SRC_PCP = "http://www.jcm-mongolia.com/?page_id=11694"

# The environment ministry of Mongolia: its current name, and the names the sources show it under, with the
# date each source shows it in use (no source gives the dates of the renamings).
MN_ENVIRONMENT_MINISTRY = "Ministry of Environment and Climate Change"
MN_ENVIRONMENT_NAMES = [
    ("Ministry of Environment and Green Development", D(2013, 4, 11), SRC_SEED),
    ("Ministry of Environment and Tourism", D(2018, 12, 1), SRC_CHARTS),
    ("Ministry of Environment and Climate Change", D(2024, 11, 1), SRC_2024),
]


@dataclass(frozen=True)
class RefTPE:
    number: int
    body: str
    designated_on: datetime.date
    status: str = TPEStatus.DESIGNATED
    scopes: tuple[int, ...] = ()
    note: str = ""


# TPEs designated for Mongolia (TPE-MN-001 to 004: not found, so not loaded, and no demo TPE takes them).
TPES = [
    RefTPE(14, "ERM Certification and Verification Services", D(2015, 9, 26)),
    RefTPE(13, "National Renewable Energy Center", D(2015, 4, 27), scopes=(1, 2, 3)),
    RefTPE(12, "EPIC", D(2015, 4, 5)),
    RefTPE(11, "TÜV Rheinland (China)", D(2014, 9, 9)),
    RefTPE(10, "KBS", D(2014, 1, 15)),
    RefTPE(9, "SGS UK", D(2014, 1, 15), status=TPEStatus.WITHDRAWN, note="withdrawn"),
    RefTPE(8, "TÜV SÜD South Asia", D(2013, 12, 24)),
    RefTPE(7, "Lloyd's Register (LRQA)", D(2013, 12, 5)),
    RefTPE(6, "Deloitte Tohmatsu Evaluation and Certification", D(2013, 12, 5), note="scopes reduced"),
    RefTPE(5, "JACO CDM", D(2013, 10, 16), status=TPEStatus.WITHDRAWN, note="withdrawn"),
]


@dataclass(frozen=True)
class RefRule:
    kind: str
    version: str
    title: str
    form_code: str = ""
    by_2016_decision: bool = False
    source: str = SRC_RULES


ED_2016 = {
    "reference": "MN-ED2016-01",
    "decided_on": D(2016, 8, 23),
    "title": "Decision by the Joint Committee (Electronic Decision): adoption of revised rules and forms",
    "text": "By electronic decision of 23 August 2016 the Japan–Mongolia Joint Committee adopted the Rules of "
            "Implementation ver03.0, the Issuance Request form ver03.0, the PDD form ver03.0, the Verification "
            "Report form ver02.0 and the Guidelines for Developing PDD and Monitoring Report ver03.0.",
}

# In the order they were adopted: the electronic decision of 23 August 2016, then the current set.
# Effective dates: no source gives them, so they stay blank.
RULES = [
    RefRule(RuleKind.ROI, "03.0", "Rules of Implementation", by_2016_decision=True, source=SRC_ED_2016),
    RefRule(RuleKind.FORM, "03.0", "Issuance Request Form", "F_Iss_Req", True, SRC_ED_2016),
    RefRule(RuleKind.FORM, "03.0", "Project Design Document Form", "F_PDD", True, SRC_ED_2016),
    RefRule(RuleKind.FORM, "02.0", "Verification Report Form", "F_Vrf_Rep", True, SRC_ED_2016),
    RefRule(RuleKind.PDD_MR_GUIDELINES, "03.0", "Guidelines for Developing PDD and Monitoring Report",
            by_2016_decision=True, source=SRC_ED_2016),
    RefRule(RuleKind.ROP, "02.0", "Rules of Procedures for the Joint Committee", source=SRC_ROP),
    RefRule(RuleKind.PCP, "07.0", "Project Cycle Procedure", source=SRC_PCP),
    RefRule(RuleKind.FORM, "02.0", "Modalities of Communication Statement Form", "F_MoC"),
    RefRule(RuleKind.FORM, "04.0", "Issuance Request Form", "F_Iss_Req"),
    RefRule(RuleKind.FORM, "02.1", "Verification Report Form", "F_Vrf_Rep"),
    RefRule(RuleKind.TPE_GUIDELINES, "04.0", "Guidelines for Designation as a Third-Party Entity"),
]


def load(actor: User, log=lambda _m: None) -> dict[str, Organization]:
    """Load the committee part of the Japan–Mongolia reference data; return the organizations it made
    (``mn_environment``: the environment ministry). Needs Mongolia and its Joint Committee (seed_demo and
    load_reference_data create them first)."""
    jc = JointCommittee.objects.get(partner__code="MN")
    ministry = _environment_ministry(actor, jc.partner, log)
    decision = _ed_2016(actor, jc, log)
    _rules(actor, jc, decision, log)
    _tpes(actor, jc, log)
    return {"mn_environment": ministry}


def _environment_ministry(actor: User, mongolia: Country, log) -> Organization:
    names = [n for n, _, _ in MN_ENVIRONMENT_NAMES]
    org = (Organization.objects.filter(country=mongolia, name=MN_ENVIRONMENT_MINISTRY).first()
           or Organization.objects.filter(country=mongolia, name_history__name__in=names).first()
           or Organization.objects.filter(country=mongolia, name__in=names).first())  # an older demo's record
    if org is not None and org.name != MN_ENVIRONMENT_MINISTRY:
        org = services.organization_rename(actor=actor, organization=org, name=MN_ENVIRONMENT_MINISTRY)
        log(f"organization renamed to {org.name}")
    if org is None:
        org = services.organization_create(actor=actor, name=MN_ENVIRONMENT_MINISTRY,
                                           kind=OrganizationKind.MINISTRY, country=mongolia)
        log(f"organization {org.name}")
    for name, attested_on, source in MN_ENVIRONMENT_NAMES:
        if not OrganizationName.objects.filter(organization=org, name=name).exists():
            services.organization_name_record(actor=actor, organization=org, name=name, attested_on=attested_on,
                                              source=source)
            log(f"name of {org.name}: {name}")
    return org


def _ed_2016(actor: User, jc: JointCommittee, log) -> Decision:
    decision = Decision.objects.filter(joint_committee=jc, reference=ED_2016["reference"]).first()
    if decision is None:
        decision = services.decision_record(actor=actor, joint_committee=jc, mode=DecisionMode.ELECTRONIC,
                                            kind=DecisionKind.ADOPT_RULES, source=SRC_ED_2016, **ED_2016)
        log(f"decision {decision.reference}")
    return decision


def _rules(actor: User, jc: JointCommittee, decision: Decision, log) -> None:
    for rule in RULES:
        series = services.rule_series(jc, rule.kind, rule.form_code)
        major, minor = services.parse_version(rule.version)
        code = f"{series}_ver{major:02d}.{minor}"
        if RuleDocument.objects.filter(code=code).exists():
            continue
        if any((d.version_major, d.version_minor) > (major, minor)
               for d in RuleDocument.objects.filter(series=series)):
            continue  # a later version is already recorded (a database loaded before this reference data)
        services.rule_document_publish(actor=actor, joint_committee=jc, kind=rule.kind, version=rule.version,
                                       title=rule.title, effective_date=None, form_code=rule.form_code,
                                       adopted_by=decision if rule.by_2016_decision else None, source=rule.source)
        log(f"rule document {code}")


def _tpes(actor: User, jc: JointCommittee, log) -> None:
    for ref in TPES:
        tpe_id = f"TPE-MN-{ref.number:03d}"
        if ThirdPartyEntity.objects.filter(tpe_id=tpe_id).exists():
            continue
        org = Organization.objects.filter(name=ref.body, kind=OrganizationKind.TPE).first()
        if org is None:
            org = services.organization_create(actor=actor, name=ref.body, kind=OrganizationKind.TPE)
        scopes = list(SectoralScope.objects.filter(number__in=ref.scopes))
        services.tpe_record_reference(actor=actor, joint_committee=jc, tpe_id=tpe_id, organization=org,
                                      designated_on=ref.designated_on, status=ref.status, source=SRC_TPES,
                                      scopes_validation=scopes, scopes_verification=scopes, note=ref.note)
        log(f"TPE {tpe_id}")
